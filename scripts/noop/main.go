// Command noop is the baseline of scripts/load.sh: a Gin server in release
// mode, set up like leadbridge's public listener (gin.New + Recovery, no
// request log), that reads each POST /hooks/:source body and answers 202
// with a small JSON body, storing nothing.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.POST("/hooks/:source", func(c *gin.Context) {
		if _, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20)); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"status": "error"})
			return
		}
		c.JSON(http.StatusAccepted, gin.H{"status": "accepted", "id": 1})
	})
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
