// Command fakepartnero runs partnerotest's in-process fake of the Partnero
// API as a process, for scripts/load.sh. The fake API listens on a random
// loopback port; its base URL (what PARTNERO_BASE_URL should be) is written
// to -url-file and served at GET /url on the control listener -addr, which
// also serves:
//
//	GET  /stats            {"leads": N, "distinct": N, "attempts": N}
//	POST /latency?d=50ms   delay every answer
//	POST /down?on=true     answer 503 to everything (false: back up)
//	POST /reset            forget every lead and counter
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18099", "control listener (stats, latency, down)")
	urlFile := flag.String("url-file", "", "write the fake API's base URL to this file")
	latency := flag.Duration("latency", 0, "initial latency of every answer")
	flag.Parse()

	fake := partnerotest.New()
	defer fake.Close()
	fake.SetLatency(*latency)
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(fake.URL()+"\n"), 0o600); err != nil {
			log.Fatal(err)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /url", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, fake.URL()) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		leads := fake.Leads()
		distinct := map[string]bool{}
		for _, l := range leads {
			distinct[l.Email] = true
		}
		_ = json.NewEncoder(w).Encode(map[string]int{"leads": len(leads), "distinct": len(distinct), "attempts": fake.Attempts()})
	})
	mux.HandleFunc("POST /latency", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fake.SetLatency(d)
	})
	mux.HandleFunc("POST /down", func(w http.ResponseWriter, r *http.Request) {
		on, err := strconv.ParseBool(r.URL.Query().Get("on"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fake.SetDown(on)
	})
	mux.HandleFunc("POST /reset", func(http.ResponseWriter, *http.Request) { fake.Reset() })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("fake Partnero API at %s; control at http://%s", fake.URL(), *addr)
	log.Fatal(srv.ListenAndServe())
}
