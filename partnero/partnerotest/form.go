package partnerotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Form is a program's lead form as the fake serves it from
// GET /leads/details. Its JSON is built independently of package partnero's
// types, so a client decoding bug is not mirrored by the fake.
type Form struct {
	// LeadsEnabled is served as the string "true" or "false", as Partnero does.
	LeadsEnabled bool
	// Fields are the custom fields in form order.
	Fields []Field
}

// Field is one custom form field, with Partnero's JSON keys.
type Field struct {
	// ID is the key of the field's value in a lead's cfields.
	ID int `json:"id"`
	// Type is text (a static HTML block), input, textarea, checkbox, radio,
	// select or countries.
	Type string `json:"type"`
	// Title is the field's label; empty for text blocks.
	Title string `json:"title"`
	// Text is a text block's HTML.
	Text string `json:"text"`
	// Description is help text, served as null when nil.
	Description *string `json:"description"`
	// Required marks a field the form requires (see EnforceRequired).
	Required bool `json:"required"`
	// Options are the allowed values of checkbox, radio and select fields
	// (see EnforceOptions); nil is served as [].
	Options []string `json:"options"`
}

// DefaultForm returns the example form of partnero-api.md §4.1: fields 88
// (a text block) to 94 (countries), of which 89 is required.
func DefaultForm() Form {
	return Form{
		LeadsEnabled: true,
		Fields: []Field{
			{ID: 88, Type: "text", Text: "<p>Text custom field</p>"},
			{ID: 89, Type: "input", Title: "Input custom field", Required: true},
			{ID: 90, Type: "textarea", Title: "TextArea custom input"},
			{ID: 91, Type: "checkbox", Title: "Custom field chbx", Options: []string{"chbx1", "chbx2", "chbx3"}},
			{ID: 92, Type: "radio", Title: "Radio", Options: []string{"radio1", "radio2"}},
			{ID: 93, Type: "select", Title: "Select input", Options: []string{"select1", "select2", "select3"}},
			{ID: 94, Type: "countries", Title: "Custom field country select"},
		},
	}
}

// formState is the served answer plus what validation needs.
type formState struct {
	body   []byte  // the exact GET /leads/details body
	fields []Field // for validation and submission_form titles
	check  bool    // validate cfields against fields
}

func newFormState(f Form, check bool) formState {
	fields := slices.Clone(f.Fields)
	for i := range fields {
		if fields[i].Options == nil {
			fields[i].Options = []string{} // Partnero sends [], never null
		}
	}
	type commission struct {
		Currency       string `json:"currency"`
		Commission     int    `json:"commission"`
		CommissionType string `json:"commission_type"`
	}
	var env struct {
		Data struct {
			LeadsEnabled   string     `json:"leads_enabled"`
			CommissionType string     `json:"program_leads_commission_type"`
			Commission     commission `json:"leads_commission"`
			Fields         []Field    `json:"leads_custom_form_fields"`
		} `json:"data"`
		Status int `json:"status"`
	}
	env.Data.LeadsEnabled = strconv.FormatBool(f.LeadsEnabled)
	env.Data.CommissionType = "follow_program_settings"
	env.Data.Commission = commission{Currency: "USD", Commission: 19, CommissionType: "percent"}
	env.Data.Fields = fields
	env.Status = 1
	body, err := json.Marshal(env)
	if err != nil {
		panic(fmt.Sprintf("partnerotest: encode form: %v", err)) // plain structs cannot fail
	}
	return formState{body: body, fields: fields, check: check}
}

// formStateFromJSON reads the fields of a details body for validation. It
// is as lenient as the client should be (ids and flags may be strings),
// because such bodies exist to test that leniency.
func formStateFromJSON(body []byte) formState {
	var env struct {
		Data *struct {
			Fields []struct {
				ID       json.RawMessage `json:"id"`
				Type     string          `json:"type"`
				Title    string          `json:"title"`
				Required json.RawMessage `json:"required"`
				Options  []string        `json:"options"`
			} `json:"leads_custom_form_fields"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Data == nil {
		panic(fmt.Sprintf("partnerotest: WithFormJSON: want {\"data\":{\"leads_custom_form_fields\":[...]}}: %v", err))
	}
	fields := make([]Field, 0, len(env.Data.Fields))
	for _, f := range env.Data.Fields {
		id, err := strconv.Atoi(strings.Trim(string(f.ID), `"`))
		if err != nil {
			panic(fmt.Sprintf("partnerotest: WithFormJSON: field id %s is not an integer", f.ID))
		}
		required := strings.Trim(string(f.Required), `"`)
		fields = append(fields, Field{
			ID: id, Type: f.Type, Title: f.Title, Options: f.Options,
			Required: required == "true" || required == "1",
		})
	}
	return formState{body: slices.Clone(body), fields: fields, check: true}
}

// field returns the form field with the given cfields key.
func (f formState) field(key string) (Field, bool) {
	for _, fl := range f.fields {
		if strconv.Itoa(fl.ID) == key {
			return fl, true
		}
	}
	return Field{}, false
}

// SetForm replaces the form at runtime, as WithForm does at New.
func (s *Server) SetForm(f Form) {
	fs := newFormState(f, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.form = fs
}

func (s *Server) handleDetails(w http.ResponseWriter, cfg config) {
	writeRaw(w, http.StatusOK, cfg.form.body)
}
