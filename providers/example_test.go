package providers_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/leadbridge/leadbridge/providers"
	"github.com/tidwall/gjson"
)

// A Tally source with a signing secret: the HTTP layer reads the body once,
// verifies the raw bytes, then decodes them.
func ExampleVerifier_Verify() {
	v, err := providers.NewVerifier(providers.Config{Provider: providers.Tally, Secrets: []string{"test-secret"}})
	if err != nil {
		panic(err)
	}
	body := []byte(`{"eventId":"e1"}`)
	h := http.Header{}
	h.Set("Tally-Signature", "not-base64!")
	err = v.Verify(&providers.Request{Method: http.MethodPost, Header: h, Body: body}, time.Now())
	fmt.Println(errors.Is(err, providers.ErrMalformedSignature))
	fmt.Println(err)
	// Output:
	// true
	// tally: malformed signature: header Tally-Signature: not valid base64
}

// Form posts become JSON objects; repeated fields become arrays.
func ExampleDecode_form() {
	doc, err := providers.Decode(providers.Generic, "application/x-www-form-urlencoded",
		[]byte("email=alice%40example.com&ref=ref_123&interest=API&interest=SSO"))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(doc))
	// Output:
	// {"email":"alice@example.com","ref":"ref_123","interest":["API","SSO"]}
}

// The Typeform view adds answers.<field ref> next to the raw payload.
func ExampleDecode_typeformView() {
	body := []byte(`{"form_response":{"hidden":{"ref":"ref_123"},"answers":[
		{"type":"email","email":"alice@example.com","field":{"ref":"email"}},
		{"type":"number","number":2500,"field":{"ref":"budget"}},
		{"type":"choices","choices":{"labels":["API","SSO"]},"field":{"ref":"interests"}}]}}`)
	doc, err := providers.Decode(providers.Typeform, "application/json", body)
	if err != nil {
		panic(err)
	}
	fmt.Println(gjson.GetBytes(doc, "answers").Raw)
	fmt.Println(gjson.GetBytes(doc, "form_response.hidden.ref"))
	// Output:
	// {"email":"alice@example.com","budget":2500,"interests":["API","SSO"]}
	// ref_123
}
