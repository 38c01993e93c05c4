package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/notify"
)

const notifyUsage = "notify test [--notify-url URL[,URL...]]"

// notifyFlags are serve's notification settings (product.md §7).
type notifyFlags struct {
	urls, every, backlog, unattributed, check string
}

func (f *notifyFlags) registerURL(fs *flagSet) {
	fs.stringVar(&f.urls, "notify-url", "LEADBRIDGE_NOTIFY_URL", "",
		"URL(s), comma-separated, that get a JSON POST when an operator must act (Slack, Mattermost, Discord's /slack, Google Chat, any JSON receiver)")
}

func (f *notifyFlags) register(fs *flagSet) {
	f.registerURL(fs)
	fs.stringVar(&f.every, "notify-every", "LEADBRIDGE_NOTIFY_EVERY", "10m", "at most one notification per kind and source per this; what happens meanwhile is counted into the next")
	fs.stringVar(&f.backlog, "notify-backlog", "LEADBRIDGE_NOTIFY_BACKLOG", "15m", "notify when a lead has waited for delivery longer than this")
	fs.stringVar(&f.unattributed, "notify-unattributed", "LEADBRIDGE_NOTIFY_UNATTRIBUTED", "50%",
		"notify when more than this share of a source's leads in the last hour (at least 5) had no partner; 100% = never")
	fs.stringVar(&f.check, "notify-check", "LEADBRIDGE_NOTIFY_CHECK", "30s", "how often the store is looked at for what to notify")
}

// config turns the flags into a notify.Config, naming the flag at fault
// (never echoing a URL: it is a credential).
func (f *notifyFlags) config() (notify.Config, error) {
	var c notify.Config
	if strings.TrimSpace(f.urls) != "" {
		urls, err := notify.ParseURLs(f.urls)
		if err != nil {
			return c, fmt.Errorf("--notify-url: %w", err)
		}
		c.URLs = urls
	}
	for _, d := range []struct {
		name, val string
		dst       *time.Duration
	}{{"notify-every", f.every, &c.Every}, {"notify-backlog", f.backlog, &c.Backlog}, {"notify-check", f.check, &c.Check}} {
		v, err := time.ParseDuration(d.val)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("--%s: expected a positive Go duration such as 30s, 10m or 1h, got %q", d.name, d.val)
		}
		*d.dst = v
	}
	p, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.unattributed), "%")), 64)
	if err != nil || p <= 0 || p > 100 {
		return c, fmt.Errorf("--notify-unattributed: expected a percentage above 0 and at most 100, such as 50%%, got %q", f.unattributed)
	}
	c.Unattributed = p / 100
	return c, nil
}

// secretSet collects every secret the server was configured with, from
// the environment and every mapping file it loaded, so that notifications
// can redact them. It only grows: a secret a reload removed is still one.
type secretSet struct {
	mu   sync.Mutex
	vals map[string]bool
}

func newSecretSet(vals ...string) *secretSet {
	s := &secretSet{vals: map[string]bool{}}
	s.add(vals...)
	return s
}

func (s *secretSet) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			s.vals[v] = true
		}
	}
}

func (s *secretSet) addMappings(m *mappings.Config) {
	if m == nil {
		return
	}
	for _, src := range m.Sources {
		s.add(mappings.Reveal(src.Secrets)...)
		s.add(mappings.Reveal(src.Tokens)...)
		s.add(src.APIKey.Reveal())
	}
}

func (s *secretSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.vals))
	for v := range s.vals {
		out = append(out, v)
	}
	return out
}

// dsnPassword is the password of a postgres:// URL, "" when none.
func dsnPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// serveSecrets gathers what serve's notifications must never contain.
func serveSecrets(cfg bridge.Config, ncfg notify.Config, db string, m *mappings.Config) *secretSet {
	s := newSecretSet(cfg.APIKey.Reveal(), cfg.AdminToken.Reveal(), dsnPassword(db))
	s.add(ncfg.URLs...)
	s.addMappings(m)
	return s
}

// runNotify is `leadbridge notify test`: one sample notification to every
// configured receiver, each answer printed, so that an operator can check
// the wiring. Exit 0 when every receiver answered 2xx, 1 otherwise.
func runNotify(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("notify", notifyUsage, o)
	var f notifyFlags
	f.registerURL(fs)
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) != 1 || pos[0] != "test" {
		return usageError(fs, "expected the subcommand test: leadbridge notify test")
	}
	urls, err := notify.ParseURLs(f.urls)
	if errors.Is(err, notify.ErrNoReceivers) {
		return usageError(fs, "no receiver: set LEADBRIDGE_NOTIFY_URL or --notify-url")
	}
	if err != nil {
		return usageError(fs, "--notify-url: %v", err)
	}
	results := notify.NewSender(urls, nil).Send(ctx, notify.Sample(time.Now()))
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(o.Out, "%s: failed: %v", r.Receiver, r.Err)
		} else {
			fmt.Fprintf(o.Out, "%s: ok: %d", r.Receiver, r.Status)
		}
		if r.Answer != "" {
			fmt.Fprintf(o.Out, " %s", r.Answer)
		}
		fmt.Fprintln(o.Out)
	}
	if failed > 0 {
		fmt.Fprintf(o.Err, "%d of %d receivers failed\n", failed, len(results))
		return exitFailed
	}
	return exitOK
}
