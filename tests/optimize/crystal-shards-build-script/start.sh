#!/bin/sh
for i in $(seq 1 "$(nproc)"); do
  ./bin/bench-server &
done
wait
