package main

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkThroughput renders and delivers jobs with 1 and 2 worker
// processes (render concurrency 1 each) on one Redis and reports jobs per
// second. The 2-process number over the 1-process one is the scale-out
// factor recorded in docs/PERFORMANCE.md.
func BenchmarkThroughput(b *testing.B) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"card", 1200, 630}, {"poster", 2400, 3000}} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", size.name, workers), func(b *testing.B) {
				throughput(b, workers, size.w, size.h)
			})
		}
	}
}

// throughput submits n jobs of a w×h card up front and times their
// delivery by workers worker processes.
func throughput(b *testing.B, workers, w, h int) {
	rdb := redisAt(b, testRedisAddr(b), 15)
	recv := newHookReceiver(b)
	c := submitter(b, rdb)
	for range workers {
		startWorker(b, "redis://"+testRedisAddr(b)+"/15", recv)
	}
	// Warm-up: each worker loads its fonts and opens connections.
	for i := range 4 {
		submit(b, c, mediumCard(recv.srv.URL+"/hook", i, w, h))
	}
	recv.waitJobs(b, 4, 60*time.Second)
	n := max(20, 150*1200*630/(w*h))
	for i := range n {
		submit(b, c, mediumCard(recv.srv.URL+"/hook", 100+i, w, h))
	}
	start := time.Now()
	b.ResetTimer()
	recv.waitJobs(b, 4+n, 5*time.Minute)
	b.StopTimer()
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "jobs/s")
}

// mediumCard is a w×h card with a gradient and text: enough CPU per job that
// rendering, not Redis, is what the workers share.
func mediumCard(url string, n, w, h int) string {
	return fmt.Sprintf(`{"dimensions":{"width":%[5]d,"height":%[6]d},"layers":[
	  {"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":%[1]d,
	   "position":{"x":0,"y":0},"dimensions":{"width":%[5]d,"height":%[6]d},
	   "colors":[{"hex_color":"#1E3A8A","position":0},{"hex_color":"#9333EA","position":100}]},
	  {"index":1,"type":"text","text":"Job number %[2]d renders **here**","font_name":"Inter","font_size_in_px":64,"text_color":"#FFFFFF",
	   "position":{"x":80,"y":240},"dimensions":{"width":1040,"height":150}}],
	 "output_format":"png","webhook_url":%[3]q}`, n%360, n, url, 0, w, h)
}
