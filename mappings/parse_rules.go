package mappings

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

func (p *parser) parseLead(n *yaml.Node) LeadRules {
	var lr LeadRules
	if n.Kind != yaml.MappingNode {
		p.add(n, "lead", "expected a mapping (name, email, partner, cfields), got %s", kindName(n))
		return lr
	}
	var partnerNode *yaml.Node
	p.each(n, "lead", func(key string, kn, vn *yaml.Node) {
		field := "lead." + key
		switch key {
		case "name":
			lr.Name = p.parseRule(vn, field)
		case "email":
			lr.Email = p.parseRule(vn, field)
		case "partner":
			partnerNode = vn
			lr.Partner = p.parsePartnerRules(vn)
		case "cfields":
			lr.CFields = p.parseCFields(vn)
		default:
			p.add(kn, field, "unknown key (known: name, email, partner, cfields)")
		}
	})
	if p.keyNode(n, "name") == n {
		p.add(n, "lead.name", "missing: Partnero requires the lead's name")
	}
	if p.keyNode(n, "email") == n {
		p.add(n, "lead.email", "missing: Partnero requires the lead's email")
	}
	if partnerNode == nil {
		p.add(n, "lead.partner", "missing: give at least one of key, id or email to attribute the lead to a partner")
	}
	return lr
}

func (p *parser) parsePartnerRules(n *yaml.Node) PartnerRules {
	var pr PartnerRules
	if n.Kind != yaml.MappingNode {
		p.add(n, "lead.partner", "expected a mapping with key, id and/or email, got %s", kindName(n))
		return pr
	}
	p.each(n, "lead.partner", func(key string, kn, vn *yaml.Node) {
		field := "lead.partner." + key
		switch key {
		case "key":
			pr.Key = p.parseRule(vn, field)
		case "id":
			pr.ID = p.parseRule(vn, field)
		case "email":
			pr.Email = p.parseRule(vn, field)
		default:
			p.add(kn, field, "unknown key (known: key, id, email)")
		}
	})
	if len(n.Content) == 0 {
		p.add(n, "lead.partner", "empty: give at least one of key, id or email")
	}
	return pr
}

var fieldIDRe = regexp.MustCompile(`^[0-9]+$`)

func (p *parser) parseCFields(n *yaml.Node) []CField {
	if n.Kind != yaml.MappingNode {
		p.add(n, "lead.cfields", "expected a mapping of Partnero field ids to rules, got %s", kindName(n))
		return nil
	}
	var out []CField
	p.each(n, "lead.cfields", func(key string, kn, vn *yaml.Node) {
		field := "lead.cfields." + key
		if !fieldIDRe.MatchString(key) {
			p.add(kn, field, "%q is not a Partnero custom field id (a number such as \"89\"); `leadbridge fields` lists them", key)
			return
		}
		if r := p.parseRule(vn, field); r != nil {
			out = append(out, CField{ID: key, Rule: r, Line: kn.Line, Col: kn.Column})
		}
	})
	return out
}

// parseRule reads one rule in any of its forms: a path, a list of
// fallbacks, {value}, {template} or {path, map, default}.
func (p *parser) parseRule(n *yaml.Node, field string) *Rule {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			p.add(n, field, "empty rule: give a gjson path, a list of paths, {value: ...}, {template: ...} or {path: ..., map: ...}")
			return nil
		}
		path := p.path(n, field)
		if path == "" {
			return nil
		}
		return &Rule{kind: rulePath, path: path, cpath: compilePath(path)}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.add(n, field, "empty list of fallbacks")
			return nil
		}
		r := &Rule{kind: ruleList}
		ok := true
		for i, it := range n.Content {
			it = deref(it)
			if it.Kind == yaml.SequenceNode {
				p.add(it, field, "a list of fallbacks cannot contain another list (item %d)", i+1)
				ok = false
				continue
			}
			sub := p.parseRule(it, field)
			if sub == nil {
				ok = false
				continue
			}
			r.list = append(r.list, sub)
		}
		if !ok {
			return nil
		}
		return r
	case yaml.MappingNode:
		return p.parseRuleMapping(n, field)
	}
	p.add(n, field, "unexpected %s", kindName(n))
	return nil
}

func (p *parser) parseRuleMapping(n *yaml.Node, field string) *Rule {
	var valueN, tmplN, pathN, mapN, defN *yaml.Node
	p.each(n, field, func(key string, kn, vn *yaml.Node) {
		switch key {
		case "value":
			valueN = vn
		case "template":
			tmplN = vn
		case "path":
			pathN = vn
		case "map":
			mapN = vn
		case "default":
			defN = vn
		default:
			p.add(kn, field+"."+key, "unknown key (a rule is {value: ...}, {template: ...} or {path: ..., map: ..., default: ...})")
		}
	})
	forms := 0
	for _, x := range []*yaml.Node{valueN, tmplN, pathN} {
		if x != nil {
			forms++
		}
	}
	if forms != 1 {
		p.add(n, field, "give exactly one of value, template or path")
		return nil
	}
	switch {
	case valueN != nil:
		if mapN != nil || defN != nil {
			p.add(n, field, "map and default go with path, not with value")
			return nil
		}
		s, ok := p.str(valueN, field+".value")
		if !ok {
			return nil
		}
		return &Rule{kind: ruleValue, value: strings.TrimSpace(s)}
	case tmplN != nil:
		if mapN != nil || defN != nil {
			p.add(n, field, "map and default go with path, not with template")
			return nil
		}
		s, ok := p.str(tmplN, field+".template")
		if !ok {
			return nil
		}
		t, err := parseTemplate(s)
		if err != nil {
			p.add(tmplN, field+".template", "%v", err)
			return nil
		}
		return &Rule{kind: ruleTemplate, tmpl: t}
	}
	path := p.path(pathN, field+".path")
	if path == "" {
		return nil
	}
	r := &Rule{kind: ruleMap, path: path, cpath: compilePath(path)}
	ok := true
	if mapN != nil {
		if mapN.Kind != yaml.MappingNode {
			p.add(mapN, field+".map", "expected a mapping {from: to, ...}, got %s", kindName(mapN))
			return nil
		}
		r.mapping = map[string]string{}
		p.each(mapN, field+".map", func(key string, kn, vn *yaml.Node) {
			s, good := p.str(vn, field+".map."+key)
			if !good {
				ok = false
				return
			}
			r.mapping[key] = strings.TrimSpace(s)
		})
	}
	if defN != nil {
		s, good := p.str(defN, field+".default")
		if !good {
			return nil
		}
		r.def, r.hasDefault = strings.TrimSpace(s), true
	}
	if !ok {
		return nil
	}
	return r
}

// parseConditions reads `when`: a list of conditions (a single mapping is
// accepted as a list of one).
func (p *parser) parseConditions(n *yaml.Node) []Condition {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []Condition
	for _, it := range items {
		it = deref(it)
		if c, ok := p.parseCondition(it); ok {
			out = append(out, c)
		}
	}
	return out
}

func (p *parser) parseCondition(n *yaml.Node) (Condition, bool) {
	const field = "when"
	var c Condition
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "expected a condition {path: P, equals|not_equals|in|not_in|exists: ...}, got %s", kindName(n))
		return c, false
	}
	ok := true
	ops := 0
	var pathN *yaml.Node
	p.each(n, field, func(key string, kn, vn *yaml.Node) {
		switch key {
		case "path":
			pathN = vn
			c.Path = p.path(vn, field+".path")
			if c.Path == "" {
				ok = false
			}
		case OpEquals, OpNotEquals:
			ops++
			c.Op = key
			s, good := p.str(vn, field+"."+key)
			ok = ok && good
			c.Values = []string{s}
		case OpIn, OpNotIn:
			ops++
			c.Op = key
			if vn.Kind != yaml.SequenceNode || len(vn.Content) == 0 {
				p.add(vn, field+"."+key, "expected a non-empty list of values, got %s", kindName(vn))
				ok = false
				return
			}
			for _, it := range vn.Content {
				s, good := p.str(deref(it), field+"."+key)
				ok = ok && good
				c.Values = append(c.Values, s)
			}
		case OpExists:
			ops++
			c.Op = key
			b, good := p.boolean(vn, field+"."+key)
			ok = ok && good
			c.Exists = b
		default:
			p.add(kn, field+"."+key, "unknown key (known: path, equals, not_equals, in, not_in, exists)")
			ok = false
		}
	})
	if pathN == nil {
		p.add(n, field, "missing path")
		ok = false
	}
	if ops != 1 && ok {
		p.add(n, field, "give exactly one of equals, not_equals, in, not_in or exists")
		ok = false
	}
	return c, ok
}
