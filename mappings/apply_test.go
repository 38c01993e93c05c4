package mappings

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// srcWith builds source "s" (generic, insecure) with the given lead block
// and extra source keys.
func srcWith(t *testing.T, extra, lead string) *Source {
	t.Helper()
	return loadOne(t, "sources:\n  s:\n    provider: generic\n    insecure: true\n"+extra+"    lead:\n"+lead)
}

const baseLead = "      name: name\n      email: email\n      partner: {key: ref}\n"

func applyOne(t *testing.T, s *Source, doc string) Item {
	t.Helper()
	items := s.Apply([]byte(doc), doc)
	require.Len(t, items, 1)
	return items[0]
}

func body(t *testing.T, it Item) string {
	t.Helper()
	require.Equal(t, Mapped, it.Outcome, "problems: %v, reason: %s", it.Problems, it.Reason)
	b := it.Lead.AppendJSON(nil)
	require.True(t, json.Valid(b), string(b))
	return string(b)
}

func TestRuleForms(t *testing.T) {
	doc := `{"name":"N","first":" Alice ","last":"Brown","middle":"","email":"a@example.com","ref":"ref_123","alt":"ref_alt",
	"country":"Germany","countries":["Germany","Spain","France"],"n":2500,"f":2.50,"yes":true,"no":false,"nil":null,
	"tags":["API"," SSO ","",null,3,true],"obj":{"a":1,"b":2},"nested":[[1]],"objs":[{"a":1}],"empty":[],"ws":"   "}`
	tests := []struct {
		name string
		rule string
		want string // the cfields "1" value as JSON; "" means left out
		err  string
	}{
		{"path string trimmed", "first", `"Alice"`, ""},
		{"path number", "n", `"2500"`, ""},
		{"path float keeps gjson form", "f", `"2.5"`, ""},
		{"path true", "yes", `"true"`, ""},
		{"path false is a value", "no", `"false"`, ""},
		{"path null left out", "nil", "", ""},
		{"path missing left out", "nope", "", ""},
		{"path whitespace only left out", "ws", "", ""},
		{"array of scalars stays a list", "tags", `["API","SSO","3","true"]`, ""},
		{"empty array left out", "empty", "", ""},
		{"object is an error", "obj", "", `path "obj" is an object, not a value; select one of its keys: a, b`},
		{"list of lists is an error", "nested", "", "contains lists"},
		{"list of objects is an error", "objs", "", "contains objects"},
		{"fallback list first non-empty", "[nope, middle, ws, alt, ref]", `"ref_alt"`, ""},
		{"fallback list all empty", "[nope, middle]", "", ""},
		{"fallback list stops at error", "[nope, obj, ref]", "", "is an object"},
		{"value literal", "{value: ' house '}", `"house"`, ""},
		{"value number literal", "{value: 42}", `"42"`, ""},
		{"template", "{template: '{{first}} {{last}}'}", `"Alice Brown"`, ""},
		{"template empty middle collapses", "{template: '{{first}} {{middle}} {{last}}'}", `"Alice Brown"`, ""},
		{"template empty first trims", "{template: '{{middle}} {{last}}'}", `"Brown"`, ""},
		{"template all empty yields nothing", "{template: 'Name: {{middle}} {{nope}}'}", "", ""},
		{"template joins lists", "{template: 'tags: {{tags}}'}", `"tags: API, SSO, 3, true"`, ""},
		{"template number", "{template: '{{n}} EUR'}", `"2500 EUR"`, ""},
		{"template object error", "{template: '{{obj}}'}", "", "is an object"},
		{"map hit", "{path: country, map: {Germany: DE, France: FR}}", `"DE"`, ""},
		{"map miss keeps value", "{path: last, map: {Germany: DE}}", `"Brown"`, ""},
		{"map miss gives default", "{path: last, map: {Germany: DE}, default: US}", `"US"`, ""},
		{"map on list translates each", "{path: countries, map: {Germany: DE, France: FR}}", `["DE","Spain","FR"]`, ""},
		{"map on list with default", "{path: countries, map: {Germany: DE, France: FR}, default: XX}", `["DE","XX","FR"]`, ""},
		{"map number value", "{path: n, map: {'2500': big}}", `"big"`, ""},
		{"default when missing", "{path: nope, default: US}", `"US"`, ""},
		{"path without map or default", "{path: first}", `"Alice"`, ""},
		{"fallback to value", "[nope, {value: house}]", `"house"`, ""},
		{"fallback to template", "[nope, {template: '{{first}}!'}]", `"Alice!"`, ""},
		{"gjson query", "'countries.#(==\"Spain\")'", `"Spain"`, ""},
		{"gjson modifier", "'countries|@reverse'", `["France","Spain","Germany"]`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := srcWith(t, "", baseLead+"      cfields:\n        \"1\": "+tc.rule+"\n")
			it := applyOne(t, s, doc)
			if tc.err != "" {
				require.Equal(t, Failed, it.Outcome)
				require.Len(t, it.Problems, 1)
				require.Equal(t, "cfields.1", it.Problems[0].Field)
				require.Contains(t, it.Problems[0].Message, tc.err)
				return
			}
			got := body(t, it)
			var parsed struct {
				CFields map[string]json.RawMessage `json:"cfields"`
			}
			require.NoError(t, json.Unmarshal([]byte(got), &parsed))
			if tc.want == "" {
				require.NotContains(t, parsed.CFields, "1", got)
				return
			}
			require.JSONEq(t, tc.want, string(parsed.CFields["1"]))
		})
	}
}

func TestLeadFields(t *testing.T) {
	tests := []struct {
		name    string
		lead    string
		doc     string
		body    string
		outcome Outcome
		reason  string
		fails   []string
	}{
		{"minimal", baseLead, `{"name":"A B","email":"a@b.co","ref":"r1"}`,
			`{"name":"A B","email":"a@b.co","partner":{"key":"r1"}}`, Mapped, "", nil},
		{"all partner identifiers", "      name: name\n      email: email\n      partner: {key: k, id: i, email: e}\n",
			`{"name":"A","email":"a@b.co","k":"r1","i":"p_1","e":"p@x.io"}`,
			`{"name":"A","email":"a@b.co","partner":{"key":"r1","id":"p_1","email":"p@x.io"}}`, Mapped, "", nil},
		{"unused partner identifiers left out", "      name: name\n      email: email\n      partner: {key: k, id: i}\n",
			`{"name":"A","email":"a@b.co","i":17}`, `{"name":"A","email":"a@b.co","partner":{"id":"17"}}`, Mapped, "", nil},
		{"single-element list is a value", baseLead, `{"name":["A"],"email":["a@b.co"],"ref":["r"]}`,
			`{"name":"A","email":"a@b.co","partner":{"key":"r"}}`, Mapped, "", nil},
		{"cfields in file order, empty left out", baseLead + "      cfields: {\"94\": c, \"100\": d, \"89\": x}\n",
			`{"name":"A","email":"a@b.co","ref":"r","c":"DE","d":["x","y"]}`,
			`{"name":"A","email":"a@b.co","partner":{"key":"r"},"cfields":{"94":"DE","100":["x","y"]}}`, Mapped, "", nil},
		{"escaping", baseLead, `{"name":"A \"Q\" \\ <b>\u2028x","email":"a@b.co","ref":"r\n1"}`,
			`{"name":"A \"Q\" \\ <b>\u2028x","email":"a@b.co","partner":{"key":"r\n1"}}`, Mapped, "", nil},
		{"no partner ignored", baseLead, `{"name":"A","email":"a@b.co"}`, "", Ignored, "no partner", nil},
		{"no partner ignored even with other failures", baseLead, `{"name":"A"}`, "", Ignored, "no partner", nil},
		{"missing name and email both reported", baseLead, `{"ref":"r"}`, "", Failed, "", []string{
			`name: no value: path "name" yielded nothing`, `email: no value: path "email" yielded nothing`}},
		{"invalid email", baseLead, `{"name":"A","email":"not-an-email","ref":"r"}`, "", Failed, "", []string{
			`email: "not-an-email" is not a valid email address`}},
		{"invalid partner email", "      name: name\n      email: email\n      partner: {email: pe}\n", `{"name":"A","email":"a@b.co","pe":"nope"}`, "", Failed, "", []string{
			`partner.email: "nope" is not a valid email address`}},
		{"list for a single value", baseLead, `{"name":["A","B"],"email":"a@b.co","ref":"r"}`, "", Failed, "", []string{
			`name: expected one value, got a list of 2 (A, B)`}},
		{"object name", baseLead, `{"name":{"first":"A"},"email":"a@b.co","ref":"r"}`, "", Failed, "", []string{
			`name: path "name" is an object, not a value; select one of its keys: first`}},
		{"fallback tried list in message", "      name: [n1, n2]\n      email: email\n      partner: {key: ref}\n", `{"email":"a@b.co","ref":"r"}`, "", Failed, "", []string{
			`name: no value: path "n1", then path "n2" yielded nothing`}},
		{"template tried paths in message", "      name: {template: '{{f}} {{l}}'}\n      email: email\n      partner: {key: ref}\n", `{"email":"a@b.co","ref":"r"}`, "", Failed, "", []string{
			`name: no value: template paths "f", "l" yielded nothing`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := applyOne(t, srcWith(t, "", tc.lead), tc.doc)
			require.Equal(t, tc.outcome, it.Outcome, "%v", it.Problems)
			require.Equal(t, tc.reason, it.Reason)
			if tc.body != "" {
				require.Equal(t, tc.body, body(t, it))
			}
			var fails []string
			for _, f := range it.Problems {
				fails = append(fails, f.String())
			}
			require.Equal(t, tc.fails, fails)
		})
	}
}

func TestPartnerMissingFail(t *testing.T) {
	s := srcWith(t, "    partner_missing: fail\n", "      name: name\n      email: email\n      partner: {key: [ref, aff], email: pe}\n")
	it := applyOne(t, s, `{"name":"A","email":"a@b.co"}`)
	require.Equal(t, Failed, it.Outcome)
	require.Equal(t, []Failure{{Field: "partner", Message: `no partner identifier: key from path "ref", then path "aff"; email from path "pe" yielded nothing`}}, it.Problems)
}

func TestWhen(t *testing.T) {
	doc := `{"type":"form_response","n":5,"flag":true,"tags":["a","b"],"empty":"","obj":{"x":1}}`
	tests := []struct {
		cond   string
		holds  bool
		reason string
	}{
		{"{path: type, equals: form_response}", true, ""},
		{"{path: type, equals: partial}", false, `when: type equals "partial" did not hold (got "form_response")`},
		{"{path: missing, equals: x}", false, `when: missing equals "x" did not hold (got nothing)`},
		{"{path: n, equals: 5}", true, ""},
		{"{path: flag, equals: true}", true, ""},
		{"{path: tags, equals: b}", true, ""},
		{"{path: type, not_equals: partial}", true, ""},
		{"{path: type, not_equals: form_response}", false, `when: type not_equals "form_response" did not hold`},
		{"{path: missing, not_equals: x}", true, ""},
		{"{path: type, in: [a, form_response]}", true, ""},
		{"{path: type, in: [a, b]}", false, `when: type in [a, b] did not hold (got "form_response")`},
		{"{path: tags, in: [x, a]}", true, ""},
		{"{path: type, not_in: [a, b]}", true, ""},
		{"{path: tags, not_in: [b]}", false, `when: tags not_in [b] did not hold (got "[\"a\",\"b\"]")`},
		{"{path: type, exists: true}", true, ""},
		{"{path: obj, exists: true}", true, ""},
		{"{path: empty, exists: true}", false, "when: empty does not exist"},
		{"{path: missing, exists: true}", false, "when: missing does not exist"},
		{"{path: missing, exists: false}", true, ""},
		{"{path: type, exists: false}", false, "when: type exists"},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			s := srcWith(t, "    when:\n      - "+tc.cond+"\n", "      name: {value: A}\n      email: {value: a@b.co}\n      partner: {key: {value: r}}\n")
			it := applyOne(t, s, doc)
			if tc.holds {
				require.Equal(t, Mapped, it.Outcome, it.Reason)
				return
			}
			require.Equal(t, Ignored, it.Outcome)
			require.Equal(t, tc.reason, it.Reason)
		})
	}
	// All conditions must hold; the first that fails is the reason.
	s := srcWith(t, "    when:\n      - {path: type, exists: true}\n      - {path: n, in: ['4']}\n", "      name: {value: A}\n      email: {value: a@b.co}\n      partner: {key: {value: r}}\n")
	require.Equal(t, `when: n in [4] did not hold (got "5")`, applyOne(t, s, doc).Reason)
}

func TestDedupeKey(t *testing.T) {
	raw := `{"id":"evt_1","num":7,"arr":[1,2],"blank":" "}`
	tests := []struct{ dedupe, want string }{
		{"", HashKey([]byte(raw))},
		{"id", "k:evt_1"},
		{"num", "k:7"},
		{"arr", "k:[1,2]"},
		{"missing", HashKey([]byte(raw))},
		{"blank", HashKey([]byte(raw))},
	}
	for _, tc := range tests {
		extra := ""
		if tc.dedupe != "" {
			extra = "    dedupe: " + tc.dedupe + "\n"
		}
		it := applyOne(t, srcWith(t, extra, baseLead), raw)
		require.Equal(t, tc.want, it.DedupeKey, tc.dedupe)
	}
	long := `{"id":"` + strings.Repeat("x", 300) + `"}`
	it := applyOne(t, srcWith(t, "    dedupe: id\n", baseLead), long)
	require.Equal(t, HashKey([]byte(strings.Repeat("x", 300))), it.DedupeKey, "long keys are hashed")
	// The hash covers the raw body, not the decoded document.
	items := srcWith(t, "", baseLead).Apply([]byte("name=A"), `{"name":"A"}`)
	require.Equal(t, HashKey([]byte("name=A")), items[0].DedupeKey)
}

func TestEach(t *testing.T) {
	lead := "      name: n\n      email: e\n      partner: {key: r}\n"
	doc := `{"items":[{"id":1,"n":"A","e":"a@x.io","r":"p1","t":"lead"},{"id":2,"n":"B","e":"b@x.io","t":"lead"},{"id":3,"n":"C","t":"lead","r":"p3"},{"id":4,"t":"other"}]}`
	s := srcWith(t, "    each: items\n    dedupe: id\n    when: [{path: t, equals: lead}]\n", lead)
	items := s.Apply([]byte(doc), doc)
	require.Len(t, items, 4)
	require.Equal(t, []Outcome{Mapped, Ignored, Failed, Ignored}, []Outcome{items[0].Outcome, items[1].Outcome, items[2].Outcome, items[3].Outcome})
	require.Equal(t, []string{"k:1", "k:2", "k:3", "k:4"}, []string{items[0].DedupeKey, items[1].DedupeKey, items[2].DedupeKey, items[3].DedupeKey})
	require.Equal(t, []int{0, 1, 2, 3}, []int{items[0].Index, items[1].Index, items[2].Index, items[3].Index})
	require.Equal(t, "no partner", items[1].Reason)
	require.Equal(t, `when: t equals "lead" did not hold (got "other")`, items[3].Reason)
	require.Equal(t, `{"name":"A","email":"a@x.io","partner":{"key":"p1"}}`, body(t, items[0]))

	// Root arrays and the default per-element hash.
	root := `[{"n":"A","e":"a@x.io","r":"p"},{"n":"B","e":"b@x.io","r":"p"}]`
	items = srcWith(t, "    each: '@this'\n", lead).Apply([]byte(root), root)
	require.Len(t, items, 2)
	require.Equal(t, HashKey([]byte(`{"n":"A","e":"a@x.io","r":"p"}`)), items[0].DedupeKey)
	require.NotEqual(t, items[0].DedupeKey, items[1].DedupeKey)

	// A batch path that is not a list fails the whole event.
	items = srcWith(t, "    each: items\n", lead).Apply([]byte(`{"other":1}`), `{"other":1}`)
	require.Len(t, items, 1)
	require.Equal(t, Failed, items[0].Outcome)
	require.Equal(t, []Failure{{Field: "each", Message: `path "items" matched nothing`}}, items[0].Problems)
	items = srcWith(t, "    each: items\n", lead).Apply([]byte(`{"items":{"a":1}}`), `{"items":{"a":1}}`)
	require.Equal(t, `path "items" did not yield a list`, items[0].Problems[0].Message)
	// An empty batch has no candidates.
	require.Empty(t, srcWith(t, "    each: items\n", lead).Apply([]byte(`{"items":[]}`), `{"items":[]}`))
}

func TestValidEmail(t *testing.T) {
	for _, ok := range []string{"a@b.co", "alice.brown@example.com", "a+tag@sub.example.org", "o'neil@x.ie", "ü@exämple.de"} {
		require.True(t, ValidEmail(ok), ok)
	}
	for _, bad := range []string{"", "a", "a@", "@b.co", "a@b", "a b@c.de", "Alice <a@b.co>", "a@b..co", "a@b.co.", ".a@b.co", "a..b@c.de", "a@@b.co", "a@b,c.de", strings.Repeat("a", 65) + "@b.co"} {
		require.False(t, ValidEmail(bad), bad)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\"back\\slash", "\x00\x01\x1f\x7f", "tab\tnl\nret\r", "ünïcödé 日本", "\u2028\u2029", "bad\xffutf8\xc3", "<>&"} {
		got := appendString(nil, s)
		var back string
		require.NoError(t, json.Unmarshal(got, &back), "%q -> %s", s, got)
		want, _ := json.Marshal(s)
		var wantBack string
		require.NoError(t, json.Unmarshal(want, &wantBack))
		require.Equal(t, wantBack, back, "%q", s)
	}
}
