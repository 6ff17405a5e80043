#!/usr/bin/env bash
# Real-mode cost of the TUI: the SEO scenario's makespan headless vs with the TUI attached,
# interleaved, 3 runs each. The TUI runs in tmux at 120x36; its makespan is read from its trace.
set -u
cd "$(dirname "$0")/.."
bin=.venv/bin/orchtui
for i in 1 2 3; do
  h=$($bin scenario seo_audit --headless --json | python3 -c "import json,sys; print(json.load(sys.stdin)['makespan'])")
  rm -f /tmp/tui_trace.jsonl
  tmux kill-session -t tuibench 2>/dev/null
  tmux new -d -s tuibench -x 120 -y 36 "$bin scenario seo_audit --trace /tmp/tui_trace.jsonl"
  for _ in $(seq 1 120); do
    grep -q RunFinished /tmp/tui_trace.jsonl 2>/dev/null && break
    sleep 0.5
  done
  tmux send-keys -t tuibench q
  sleep 1
  t=$(python3 -c "import json; print([json.loads(l) for l in open('/tmp/tui_trace.jsonl')][-1]['makespan'])")
  echo "run $i: headless $h s   TUI $t s"
done
