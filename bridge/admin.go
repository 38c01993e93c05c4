package bridge

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadbridge/leadbridge/store"
)

// AdminStore is what the admin API reads and replays.
type AdminStore interface {
	ReplayStore
	ListEvents(ctx context.Context, f store.Filter) ([]store.EventSummary, error)
}

// adminAuth guards /admin/*: without LEADBRIDGE_ADMIN_TOKEN the API does
// not exist (404); a missing or wrong bearer token is 401. Tokens are
// compared as SHA-256 digests in constant time, so neither their content
// nor their length leaks through timing.
func (s *Server) adminAuth(c *gin.Context) {
	if s.cfg.AdminToken.IsZero() {
		c.AbortWithStatusJSON(http.StatusNotFound, answer{Status: "error", Error: "not found"})
		return
	}
	got, ok := BearerToken(c.GetHeader("Authorization"))
	want := sha256.Sum256([]byte(s.cfg.AdminToken.Reveal()))
	have := sha256.Sum256([]byte(strings.TrimSpace(got)))
	if !ok || subtle.ConstantTimeCompare(want[:], have[:]) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="leadbridge admin"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, answer{Status: "error", Error: "missing or wrong admin token"})
		return
	}
	c.Next()
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header. The scheme name is case-insensitive (RFC 9110 §11.1): "bearer"
// and "BEARER" work too.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func (s *Server) adminRoutes(r *gin.Engine) {
	g := r.Group("/admin", s.adminAuth)
	g.GET("/events", s.adminListEvents)
	g.GET("/events/:id", s.adminGetEvent)
	g.POST("/events/:id/replay", s.adminReplayEvent)
	g.POST("/replay", s.adminReplay)
	g.POST("/reload", s.adminReload)
}

func (s *Server) adminStore() (AdminStore, bool) {
	as, ok := s.store.(AdminStore)
	return as, ok
}

func (s *Server) replayer() Replayer {
	as, _ := s.adminStore()
	return Replayer{Store: as, Mappings: s.currentMappings(), APIKey: s.cfg.APIKey}
}

func (s *Server) adminListEvents(c *gin.Context) {
	as, ok := s.adminStore()
	if !ok {
		c.JSON(http.StatusNotImplemented, answer{Status: "error", Error: "this store cannot list events"})
		return
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1000 {
			c.JSON(http.StatusBadRequest, answer{Status: "error", Error: "limit must be a number from 1 to 1000"})
			return
		}
		limit = n
	}
	events, err := as.ListEvents(c.Request.Context(), store.Filter{Status: c.Query("status"), Source: c.Query("source"), Limit: limit})
	if err != nil {
		s.log.Error("admin: list events", "err", err)
		c.JSON(http.StatusServiceUnavailable, answer{Status: "error", Error: "the store did not answer"})
		return
	}
	if events == nil {
		events = []store.EventSummary{}
	}
	c.JSON(http.StatusOK, gin.H{"events": events})
}

func eventID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		c.JSON(http.StatusBadRequest, answer{Status: "error", Error: "event id must be a positive number"})
		return 0, false
	}
	return id, true
}

func (s *Server) adminGetEvent(c *gin.Context) {
	id, ok := eventID(c)
	if !ok {
		return
	}
	as, _ := s.adminStore()
	ev, err := as.GetEvent(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		c.JSON(http.StatusNotFound, answer{Status: "error", Error: "no event " + c.Param("id")})
		return
	}
	if err != nil {
		s.log.Error("admin: get event", "err", err)
		c.JSON(http.StatusServiceUnavailable, answer{Status: "error", Error: "the store did not answer"})
		return
	}
	c.JSON(http.StatusOK, ev)
}

func (s *Server) adminReplayEvent(c *gin.Context) {
	id, ok := eventID(c)
	if !ok {
		return
	}
	rep, err := s.replayer().ReplayIDs(c.Request.Context(), []int64{id}, c.Query("force") == "true")
	s.answerReplay(c, rep, err)
}

func (s *Server) adminReplay(c *gin.Context) {
	status := c.Query("status")
	switch status {
	case store.StatusFailed, store.StatusDead, store.StatusDryRun, store.StatusCaptured, store.StatusRetrying, store.StatusQueued, store.StatusDelivered, store.StatusIgnored:
	default:
		c.JSON(http.StatusBadRequest, answer{Status: "error", Error: "status must be one of failed, dead, dry_run, captured (or queued, retrying, delivered, ignored)"})
		return
	}
	rep, err := s.replayer().ReplayMatching(c.Request.Context(), status, c.Query("source"), c.Query("force") == "true")
	s.answerReplay(c, rep, err)
}

func (s *Server) answerReplay(c *gin.Context, rep ReplayReport, err error) {
	if err != nil {
		s.log.Error("admin: replay", "err", err)
		c.JSON(http.StatusServiceUnavailable, answer{Status: "error", Error: "replay failed: the store did not answer"})
		return
	}
	if rep.Events == 0 && len(rep.Problems) > 0 {
		c.JSON(http.StatusNotFound, gin.H{"status": "error", "error": rep.Problems[0]})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "replay": rep})
}

func (s *Server) adminReload(c *gin.Context) {
	changed, err := s.Reload()
	if err != nil {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"status": "error", "error": "the new mappings are invalid; the previous ones stay in force",
			"problems": strings.Split(err.Error(), "\n")})
		return
	}
	rt := s.reloads.current()
	c.JSON(http.StatusOK, gin.H{"status": "ok", "changed": changed, "sources": len(rt.sources), "hash": rt.cfg.Hash})
}
