package partnero_test

import (
	"context"
	"fmt"
	"time"

	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

// The delivery loop branches on Result.Outcome; the fake stands in for
// Partnero and can be told to fail.
func ExampleClient_CreateLead() {
	fake := partnerotest.New(partnerotest.WithAPIKey("example-api-key"), partnerotest.WithPartners("ref_123"))
	defer fake.Close()
	client := partnero.New(partnero.Config{BaseURL: fake.URL(), UserAgent: "leadbridge/dev"}, nil)
	lead := []byte(`{"name":"Alice Brown","email":"alice@example.com","partner":{"key":"ref_123"}}`)

	fake.Script(partnerotest.TooManyRequests(3 * time.Second))
	for range 2 {
		res, err := client.CreateLead(context.Background(), "example-api-key", lead)
		if err != nil {
			fmt.Println("no answer:", err)
			continue
		}
		switch res.Outcome {
		case partnero.Delivered:
			fmt.Println("delivered as lead", res.LeadID)
		case partnero.Retry:
			fmt.Printf("retry (HTTP %d) after %s\n", res.StatusCode, res.RetryAfter)
		default:
			fmt.Printf("%s: %s\n", res.Outcome, res.Message)
		}
	}

	stale := []byte(`{"name":"Bob","email":"bob@example.com","partner":{"key":"gone"}}`)
	res, _ := client.CreateLead(context.Background(), "example-api-key", stale)
	fmt.Println(res.Outcome, res.Message, "invalid partner:", res.InvalidPartner)
	// Output:
	// retry (HTTP 429) after 3s
	// delivered as lead 1
	// dead Invalid partner key invalid partner: true
}

func ExampleClient_LeadForm() {
	fake := partnerotest.New(partnerotest.WithAPIKey("example-api-key"))
	defer fake.Close()
	client := partnero.New(partnero.Config{BaseURL: fake.URL()}, nil)

	form, err := client.LeadForm(context.Background(), "example-api-key")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leads enabled:", form.LeadsEnabled)
	for _, f := range form.Fields[1:4] {
		fmt.Printf("%d %s %q required=%t options=%v\n", f.ID, f.Type, f.Title, f.Required, f.Options)
	}
	// Output:
	// leads enabled: true
	// 89 input "Input custom field" required=true options=[]
	// 90 textarea "TextArea custom input" required=false options=[]
	// 91 checkbox "Custom field chbx" required=false options=[chbx1 chbx2 chbx3]
}
