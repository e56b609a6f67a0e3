#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs of this machine as Spark's resource JSON,
# e.g. {"name":"gpu","addresses":["0","1"]}. Set it as spark.worker.resource.gpu.discoveryScript
# (standalone) or spark.executor.resource.gpu.discoveryScript. The addresses are nvidia-smi indices;
# run executors with CUDA_DEVICE_ORDER=PCI_BUS_ID so that they are also CUDA device ordinals.
set -euo pipefail
command -v nvidia-smi >/dev/null || { echo '{"name":"gpu","addresses":[]}'; exit 0; }
ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | sed 's/.*/"&"/' | paste -sd, -)
echo "{\"name\":\"gpu\",\"addresses\":[${ids}]}"
