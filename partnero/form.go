package partnero

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// FormField is one custom field of a program's lead form. Its ID is the key
// to use in a lead's cfields.
type FormField struct {
	// ID identifies the field; cfields are keyed by its decimal string.
	ID int
	// Type is the field kind: "input", "textarea", "checkbox", "radio",
	// "select", "countries", or "text" (a static HTML block, not an input).
	Type string
	// Title is the field's label (Partnero has no separate "label").
	Title string
	// Text is the HTML content of a "text" block; usually empty otherwise.
	Text string
	// Description is the field's help text; nil when Partnero sends null.
	Description *string
	// Required reports whether the form marks the field as required.
	Required bool
	// Options lists the allowed values of checkbox, radio and select fields.
	Options []string
}

// LeadForm is a program's lead-form configuration (GET /leads/details).
type LeadForm struct {
	// LeadsEnabled reports whether the program accepts leads. Partnero sends
	// it as the string "true"/"false"; a JSON boolean is accepted too.
	LeadsEnabled bool
	// Fields are the custom fields in form order. The built-in name and
	// email are not listed: they are top-level lead fields.
	Fields []FormField
}

// LeadForm fetches the lead form of the program that apiKey belongs to.
// A non-2xx answer gives a *APIError; no answer gives a wrapped transport
// error. Neither contains the API key.
func (c *Client) LeadForm(ctx context.Context, apiKey string) (LeadForm, error) {
	if !validKey(apiKey) {
		return LeadForm{}, errors.New("partnero: lead form: " + invalidKeyMessage)
	}
	ans, err := c.do(ctx, http.MethodGet, "/leads/details", apiKey, nil, maxFormBytes)
	if err != nil {
		return LeadForm{}, wrapError("lead form", apiKey, err)
	}
	if ans.status < 200 || ans.status >= 300 {
		return LeadForm{}, &APIError{
			StatusCode: ans.status,
			Message:    truncate(failureMessage(ans, apiKey), maxMessageBytes),
		}
	}
	form, err := decodeLeadForm(ans.body)
	if err != nil {
		return LeadForm{}, fmt.Errorf("partnero: lead form: %w", err)
	}
	return form, nil
}

// decodeLeadForm decodes the §4.1 envelope, tolerating the loose typing seen
// in Partnero's examples (booleans and ids as strings).
func decodeLeadForm(body []byte) (LeadForm, error) {
	var env struct {
		Data *struct {
			LeadsEnabled looseBool `json:"leads_enabled"`
			Fields       []struct {
				ID          looseInt  `json:"id"`
				Type        string    `json:"type"`
				Title       string    `json:"title"`
				Text        string    `json:"text"`
				Description *string   `json:"description"`
				Required    looseBool `json:"required"`
				Options     []string  `json:"options"`
			} `json:"leads_custom_form_fields"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return LeadForm{}, fmt.Errorf("decode: %w", err)
	}
	if env.Data == nil {
		return LeadForm{}, errors.New("decode: answer has no data object")
	}
	form := LeadForm{LeadsEnabled: bool(env.Data.LeadsEnabled)}
	for _, f := range env.Data.Fields {
		form.Fields = append(form.Fields, FormField{
			ID:          int(f.ID),
			Type:        f.Type,
			Title:       f.Title,
			Text:        f.Text,
			Description: f.Description,
			Required:    bool(f.Required),
			Options:     f.Options,
		})
	}
	return form, nil
}

// looseBool accepts true/false, "true"/"false" (and "1"/"0", "yes"/"no",
// "on"/"off"), numbers, and null (false). Unknown strings read as false
// rather than failing the whole form over one flag.
type looseBool bool

func (b *looseBool) UnmarshalJSON(raw []byte) error {
	raw = bytes.TrimSpace(raw)
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*b = false
	case bool:
		*b = looseBool(v)
	case float64:
		*b = v != 0
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "yes", "on":
			*b = true
		default:
			*b = false
		}
	default:
		return fmt.Errorf("want a boolean, got %s", raw)
	}
	return nil
}

// looseInt accepts a JSON integer or a string holding one.
type looseInt int

func (n *looseInt) UnmarshalJSON(raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("null")) {
		return nil
	}
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
	}
	i, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want an integer id, got %s", raw)
	}
	*n = looseInt(i)
	return nil
}
