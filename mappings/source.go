package mappings

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// parseSource reads one source definition and validates it as a whole.
func (p *parser) parseSource(name string, k, v *yaml.Node) *Source {
	src := &Source{Name: name, File: p.file, Line: k.Line, Col: k.Column, PartnerMissing: PartnerIgnore, Tolerance: DefaultTolerance}
	if v.Kind != yaml.MappingNode {
		p.add(v, "", "expected a mapping (provider, secret, lead, ...), got %s", kindName(v))
		return nil
	}
	before := len(p.errs.Problems)
	var leadNode, providerNode, signatureNode, urlNode *yaml.Node
	p.each(v, "", func(key string, kn, vn *yaml.Node) {
		switch key {
		case "provider":
			providerNode = vn
			if s, ok := p.str(vn, key); ok {
				src.Provider = s
				if !knownProvider(s) {
					p.add(vn, key, "unknown provider %q (known: %s)", s, providerList)
				}
			}
		case "secret":
			src.Secrets = p.secrets(vn, key)
		case "token":
			src.Tokens = p.secrets(vn, key)
		case "url":
			urlNode = vn
			if s, ok := p.str(vn, key); ok {
				if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					p.add(vn, key, "expected the absolute public URL of this endpoint (https://host/hooks/%s), got %q", name, s)
				} else {
					src.URL = s
				}
			}
		case "signature":
			signatureNode = vn
			src.Signature = p.parseSignature(vn)
		case "tolerance":
			if s, ok := p.str(vn, key); ok {
				d, err := time.ParseDuration(s)
				if err != nil || d <= 0 {
					p.add(vn, key, "expected a positive duration such as 5m or 90s, got %q", s)
				} else {
					src.Tolerance = d
				}
			}
		case "rate_limit":
			if s, ok := p.str(vn, key); ok {
				rl, err := parseRateLimit(s)
				if err != nil {
					p.add(vn, key, "%v", err)
				} else {
					src.RateLimit = rl
				}
			}
		case "insecure":
			if b, ok := p.boolean(vn, key); ok {
				src.Insecure = b
			}
		case "when":
			src.When = p.parseConditions(vn)
		case "dedupe":
			src.Dedupe = p.path(vn, key)
		case "each":
			src.Each = p.path(vn, key)
		case "partner_missing":
			if s, ok := p.str(vn, key); ok {
				if s != PartnerIgnore && s != PartnerFail {
					p.add(vn, key, "expected ignore or fail, got %q", s)
				} else {
					src.PartnerMissing = s
				}
			}
		case "fallback_partner":
			src.FallbackPartner = p.parseFallbackPartner(vn)
		case "partnero":
			src.APIKey = p.parsePartnero(vn)
		case "lead":
			leadNode = vn
			src.Lead = p.parseLead(vn)
		default:
			p.add(kn, key, "unknown key (known: provider, secret, token, url, signature, tolerance, rate_limit, insecure, when, dedupe, each, partner_missing, fallback_partner, partnero, lead)")
		}
	})
	p.validateSource(src, v, providerNode, signatureNode, urlNode, leadNode)
	if len(p.errs.Problems) > before {
		return nil
	}
	return src
}

// validateSource checks the rules that span several keys.
func (p *parser) validateSource(src *Source, v, providerNode, signatureNode, urlNode, leadNode *yaml.Node) {
	if providerNode == nil {
		p.add(v, "provider", "missing (one of %s)", providerList)
	}
	switch {
	case len(src.Secrets) == 0 && len(src.Tokens) == 0 && !src.Insecure:
		// A secret, token or insecure key that failed to parse has its own message.
		if !p.hasKey(v, "secret") && !p.hasKey(v, "token") && !p.hasKey(v, "insecure") {
			p.add(v, "", "no authentication: set secret (the provider's signing secret), token, or insecure: true to accept unauthenticated requests")
		}
	case src.Insecure && (len(src.Secrets) > 0 || len(src.Tokens) > 0):
		p.add(p.keyNode(v, "insecure"), "insecure", "true together with secret or token; remove one of them")
	}
	switch src.Provider {
	case "jotform":
		if len(src.Secrets) > 0 {
			p.add(p.keyNode(v, "secret"), "secret", "jotform does not sign its webhooks; authenticate it with token (X-Leadbridge-Token header or ?token= in the webhook URL)")
		}
	case "generic":
		if len(src.Secrets) > 0 && src.Signature == nil && signatureNode == nil {
			p.add(p.keyNode(v, "secret"), "signature", "provider generic with a secret needs signature: {header, algorithm, encoding, prefix}")
		}
	case "hubspot":
		if len(src.Secrets) > 0 && urlNode == nil {
			p.add(p.keyNode(v, "secret"), "url", "hubspot signatures (v2, v3) cover the public URL: set url: to the exact URL configured in HubSpot")
		}
	}
	if signatureNode != nil {
		if src.Provider != "" && src.Provider != "generic" {
			p.add(signatureNode, "signature", "only provider generic takes a signature block; %s's scheme is built in", src.Provider)
		} else if len(src.Secrets) == 0 && !p.hasKey(v, "secret") {
			p.add(signatureNode, "signature", "signature needs a secret")
		}
	}
	// Without lead: the source captures (product.md §3): nothing to check.
	src.Capture = leadNode == nil
}

func (p *parser) hasKey(m *yaml.Node, key string) bool { return p.keyNode(m, key) != m }

// keyNode returns the key node of key in mapping m, or m itself.
func (p *parser) keyNode(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return m
}

func (p *parser) parseSignature(n *yaml.Node) *Signature {
	if n.Kind != yaml.MappingNode {
		p.add(n, "signature", "expected a mapping {header, algorithm, encoding, prefix}, got %s", kindName(n))
		return nil
	}
	sig := &Signature{Algorithm: "sha256", Encoding: "hex"}
	ok := true
	p.each(n, "signature", func(key string, kn, vn *yaml.Node) {
		field := "signature." + key
		s, good := p.str(vn, field)
		if !good {
			ok = false
			return
		}
		switch key {
		case "header":
			sig.Header = strings.TrimSpace(s)
		case "algorithm":
			switch s {
			case "sha1", "sha256", "sha512":
				sig.Algorithm = s
			default:
				p.add(vn, field, "expected sha256, sha1 or sha512, got %q", s)
				ok = false
			}
		case "encoding":
			switch s {
			case "hex", "base64":
				sig.Encoding = s
			default:
				p.add(vn, field, "expected hex or base64, got %q", s)
				ok = false
			}
		case "prefix":
			sig.Prefix = s
		default:
			p.add(kn, field, "unknown key (known: header, algorithm, encoding, prefix)")
			ok = false
		}
	})
	if sig.Header == "" {
		p.add(n, "signature.header", "missing: the name of the header that carries the signature")
		ok = false
	}
	if !ok {
		return nil
	}
	return sig
}

var rateRe = regexp.MustCompile(`^\s*(\d+)\s*/\s*(s|m|h)\s*$`)

func parseRateLimit(s string) (*RateLimit, error) {
	m := rateRe.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("expected N/s, N/m or N/h (e.g. 100/m), got %q", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("the count in %q must be a positive number", s)
	}
	per := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[m[2]]
	return &RateLimit{N: n, Per: per}, nil
}

func (p *parser) parseFallbackPartner(n *yaml.Node) *Partner {
	const field = "fallback_partner"
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "expected a mapping with one of key, id or email (e.g. {key: house}), got %s", kindName(n))
		return nil
	}
	var fp Partner
	count, bad := 0, false
	p.each(n, field, func(key string, kn, vn *yaml.Node) {
		s, ok := p.str(vn, field+"."+key)
		if !ok {
			return
		}
		s = strings.TrimSpace(s)
		if s == "" {
			p.add(vn, field+"."+key, "empty value")
			return
		}
		count++
		switch key {
		case "key":
			fp.Key = s
		case "id":
			fp.ID = s
		case "email":
			if !ValidEmail(s) {
				p.add(vn, field+"."+key, "%q is not a valid email address", s)
			}
			fp.Email = s
		default:
			count--
			bad = true
			p.add(kn, field+"."+key, "unknown key (known: key, id, email)")
		}
	})
	if bad {
		return nil
	}
	if count != 1 {
		p.add(n, field, "give exactly one of key, id or email")
		return nil
	}
	return &fp
}

func (p *parser) parsePartnero(n *yaml.Node) Secret {
	if n.Kind != yaml.MappingNode {
		p.add(n, "partnero", "expected a mapping {api_key: ${OTHER_PROGRAM_KEY}}, got %s", kindName(n))
		return Secret{}
	}
	var key Secret
	p.each(n, "partnero", func(k string, kn, vn *yaml.Node) {
		switch k {
		case "api_key":
			if vn.Kind == yaml.SequenceNode {
				p.add(vn, "partnero.api_key", "expected one API key, got a list")
				return
			}
			if ss := p.secrets(vn, "partnero.api_key"); len(ss) == 1 {
				key = ss[0]
			}
		default:
			p.add(kn, "partnero."+k, "unknown key (known: api_key)")
		}
	})
	return key
}

// path reads a scalar gjson path and checks that it parses.
func (p *parser) path(n *yaml.Node, field string) string {
	s, ok := p.str(n, field)
	if !ok {
		return ""
	}
	if err := checkPath(s); err != nil {
		p.add(n, field, "%v", err)
		return ""
	}
	return s
}
