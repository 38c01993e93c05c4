package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver the store uses
)

// openDB opens the store's SQLite file directly, for checks only (SELECT
// and PRAGMA): the test reads what is on disk, not what the server says.
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// storedKeys returns the dedupe keys of the events stored for the source.
func storedKeys(t *testing.T, db *sql.DB, source string) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT dedupe_key FROM lb_events WHERE source = ?`, source)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys[k] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// dedupeKey is the key the store keeps for a webhook with this id under
// `dedupe: id` (mappings.Item.DedupeKey: "k:" + the value).
func dedupeKey(id string) string { return "k:" + id }

// idOfKey undoes dedupeKey.
func idOfKey(k string) string { return strings.TrimPrefix(k, "k:") }

// integrityCheck runs PRAGMA integrity_check and returns its first line.
func integrityCheck(t *testing.T, db *sql.DB) string {
	t.Helper()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// countWhere runs SELECT COUNT(*) with a query tail.
func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// unrecordedDeliveries reads a killed server's log for the leads it
// logged as delivered (Partnero answered 2xx) and returns those whose
// delivery the database does not hold: answers lost with the process, the
// leads at-least-once delivery may send again. Together with the
// attempts still being sent (at most --workers) they are the deliveries
// in flight at the kill.
func unrecordedDeliveries(t testing.TB, logPath string, db *sql.DB) int {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, line := range bytes.Split(b, []byte("\n")) {
		var l struct {
			Msg     string `json:"msg"`
			Outcome string `json:"outcome"`
			LeadID  int64  `json:"lead_id"`
		}
		if json.Unmarshal(line, &l) == nil && l.Msg == "delivery attempt" && l.Outcome == "delivered" {
			ids = append(ids, l.LeadID)
		}
	}
	n := 0
	for _, id := range ids {
		var status string
		if err := db.QueryRow(`SELECT status FROM lb_leads WHERE id = $1`, id).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status != "delivered" {
			n++
		}
	}
	return n
}
