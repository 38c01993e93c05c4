package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// chart is an hourly bar chart of events by status, drawn as inline SVG by
// the template: no script, no library, and it prints.
type chart struct {
	Width, Height float64
	Top, Bottom   float64 // the plot area's top and bottom y
	Right         float64 // the plot area's right x
	Bars          []bar
	Ticks         []tick
	Max           int64
	Legend        []string
}

type bar struct {
	X, W  float64
	Segs  []seg
	Title string
}

type seg struct {
	Y, H   float64
	Status string
}

type tick struct {
	X     float64
	Label string
}

const (
	chartWidth  = 720
	chartRight  = 24 // room for the last tick's label
	chartHeight = 170
	chartLeft   = 34
	chartTop    = 8
	chartBottom = 150
)

// hourChart draws one bar per hour from since (an hour start) to now's
// hour.
func hourChart(since, now time.Time, hours []store.HourCount) chart {
	since = since.UTC().Truncate(time.Hour)
	n := int(now.UTC().Truncate(time.Hour).Sub(since)/time.Hour) + 1
	n = max(n, 1)
	counts := make([]map[string]int64, n)
	present := map[string]bool{}
	for _, hc := range hours {
		i := int(hc.Hour.Sub(since) / time.Hour)
		if i < 0 || i >= n {
			continue
		}
		if counts[i] == nil {
			counts[i] = map[string]int64{}
		}
		counts[i][hc.Status] += hc.N
		present[hc.Status] = true
	}
	c := chart{Width: chartWidth, Height: chartHeight, Top: chartTop, Bottom: chartBottom, Right: chartWidth - chartRight}
	for _, m := range counts {
		var t int64
		for _, v := range m {
			t += v
		}
		c.Max = max(c.Max, t)
	}
	for _, st := range statusOrder {
		if present[st] {
			c.Legend = append(c.Legend, st)
		}
	}
	step := float64(chartWidth-chartLeft-chartRight) / float64(n)
	scale := float64(chartBottom-chartTop) / float64(max(c.Max, 1))
	for i, m := range counts {
		at := since.Add(time.Duration(i) * time.Hour)
		b := bar{X: chartLeft + float64(i)*step + step*0.1, W: step * 0.8}
		y := float64(chartBottom)
		var parts []string
		for _, st := range statusOrder {
			if v := m[st]; v > 0 {
				h := float64(v) * scale
				y -= h
				b.Segs = append(b.Segs, seg{Y: y, H: h, Status: st})
				parts = append(parts, fmt.Sprintf("%d %s", v, st))
			}
		}
		b.Title = at.Format("Mon 02 Jan 15:00 UTC") + ": "
		if len(parts) == 0 {
			b.Title += "nothing"
		} else {
			b.Title += strings.Join(parts, ", ")
		}
		c.Bars = append(c.Bars, b)
		switch {
		case n <= 48 && at.Hour()%6 == 0:
			c.Ticks = append(c.Ticks, tick{X: b.X + b.W/2, Label: at.Format("15:00")})
		case n > 48 && at.Hour() == 0:
			c.Ticks = append(c.Ticks, tick{X: b.X + b.W/2, Label: at.Format("Mon 02")})
		}
	}
	return c
}
