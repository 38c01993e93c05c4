package bridge

import (
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
)

// runtime is one loaded mapping configuration compiled for serving: each
// source with its verifier and rate limiter. It is immutable once built; a
// reload builds a new one and swaps the pointer, so every request sees
// one whole configuration.
type runtime struct {
	cfg     *mappings.Config
	sources map[string]*source
	loaded  time.Time
}

type source struct {
	*mappings.Source
	verifier *providers.Verifier
	limiter  *rate.Limiter // nil: no intake limit
}

// ProviderConfig is the authentication of a mapping source as providers
// verifies (and signs) it.
func ProviderConfig(s *mappings.Source) providers.Config {
	var sig providers.SignatureSpec
	if s.Signature != nil {
		sig = providers.SignatureSpec{Header: s.Signature.Header, Algorithm: s.Signature.Algorithm, Encoding: s.Signature.Encoding, Prefix: s.Signature.Prefix}
	}
	return providers.Config{
		Provider:  s.Provider,
		Secrets:   mappings.Reveal(s.Secrets),
		Tokens:    mappings.Reveal(s.Tokens),
		URL:       s.URL,
		Signature: sig,
		Tolerance: s.Tolerance,
		Insecure:  s.Insecure,
	}
}

func compile(cfg *mappings.Config, now time.Time) (*runtime, error) {
	rt := &runtime{cfg: cfg, sources: make(map[string]*source, len(cfg.Sources)), loaded: now}
	for name, s := range cfg.Sources {
		v, err := providers.NewVerifier(ProviderConfig(s))
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", name, err)
		}
		src := &source{Source: s, verifier: v}
		if s.RateLimit != nil {
			src.limiter = rate.NewLimiter(rate.Every(s.RateLimit.Per/time.Duration(s.RateLimit.N)), s.RateLimit.N)
		}
		rt.sources[name] = src
	}
	return rt, nil
}
