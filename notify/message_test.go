package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClean(t *testing.T) {
	r := redactor{secrets: []string{"s3cr3t-value", "abc"}}
	for _, tc := range []struct {
		name, in, want string
		max            int
	}{
		{"secret", "key s3cr3t-value rejected", "key ‹secret› rejected", 100},
		{"too short to redact", "abc is fine", "abc is fine", 100},
		{"userinfo", "see postgres://lb:pw@db:5432/lb", "see postgres://‹redacted›@db:5432/lb", 100},
		{"query", "GET https://chat.googleapis.com/v1/spaces/X/messages?key=K&token=T failed", "GET https://chat.googleapis.com/v1/spaces/X/messages?‹redacted› failed", 100},
		{"one line", "a\n\tb\r\n  c\x00d", "a b cd", 100},
		{"slack sequences", "<!channel> <https://x|y> @here @Everyone", "‹!channel› ‹https://x|y› @\u200bhere @\u200bEveryone", 100},
		{"email is no mention", "ann@example.com", "ann@example.com", 100},
		{"cut", strings.Repeat("é", 50), strings.Repeat("é", 9) + "…", 10},
		{"invalid utf-8", "a\xffb", "ab", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, r.clean(tc.in, tc.max))
		})
	}
}

func TestEventList(t *testing.T) {
	require.Equal(t, "No event ids", eventList(nil, 0))
	require.Equal(t, "Event 7", eventList([]int64{7}, 1))
	require.Equal(t, "Events 7 and 9", eventList([]int64{7, 9}, 2))
	require.Equal(t, "Events 1, 2, 3, 4 and 5", eventList([]int64{1, 2, 3, 4, 5}, 5))
	require.Equal(t, "Events 1, 2, 3, 4, 5 and 95 more", eventList([]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 100))
	require.Equal(t, "Events 7 and 3 more", eventList([]int64{7}, 4))
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", time.Hour: "1h", 90 * time.Second: "1m30s", 36 * time.Hour: "36h", 45 * time.Second: "45s"} {
		require.Equal(t, want, shortDuration(d))
	}
}

// TestTexts pins the sentences a person reads in the chat channel.
func TestTexts(t *testing.T) {
	require.Equal(t, "leadbridge: 1 lead from source tf went dead: Partnero refused it (\"Invalid partner key\"). Event 4. "+
		"After fixing the cause, send it again with `leadbridge replay --status dead --source tf`.",
		leadDeadText("tf", 1, []int64{4}, []string{"Invalid partner key"}))
	require.Equal(t, "leadbridge: Partnero rejects the API key of source tf (2 attempts refused). Its leads wait and are retried: nothing is lost. "+
		"Fix the key (PARTNERO_API_KEY, or the source's partnero.api_key).", authFailingText("tf", 2, 0))
	require.Equal(t, "leadbridge: 3 webhooks to source tf failed the mapping (answered 422, kept as failed). No event ids. "+
		"See why with `leadbridge events --status failed`, fix the mapping, then `leadbridge replay --status failed --source tf`.",
		mappingFailedText("tf", 3, nil))
	require.Equal(t, "leadbridge: 6 of 8 leads from source tf in the last 30m had no partner (75%): ignored as no partner, failed for it, "+
		"or sent with the fallback partner. A hidden field or a link parameter is probably broken, and partners are not credited. Events 9, 8 and 4 more.",
		unattributedText(Share{Source: "tf", Leads: 8, Unattributed: 6, Ratio: 0.75}, 30*time.Minute, []int64{9, 8}))
}
