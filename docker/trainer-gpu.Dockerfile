# Linescope trainer for CUDA hosts: TensorFlow.js on its native GPU backend (@tensorflow/tfjs-node-gpu).
# Its install downloads libtensorflow with GPU support, so building needs network access and an NVIDIA host
# (run with --gpus all). Build from the repository root:
#   docker build -f docker/trainer-gpu.Dockerfile -t linescope-trainer-gpu .
FROM nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04
ENV NODE_ENV=production HOST=0.0.0.0 TF_BACKEND=tensorflow DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg python3 make g++ \
 && curl -fsSL https://deb.nodesource.com/setup_24.x | bash - \
 && apt-get install -y --no-install-recommends nodejs && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0
COPY . .
# The image has its own Node 24: drop the one npm installs for hosts whose Node is older (after the last npm install,
# which would restore it).
RUN npm run build && npm prune --omit=dev && npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0 \
 && rm -rf node_modules/node-linux-* node_modules/.bin/node
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3002/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/trainer/src/main.js"]
