/** An nginx Deployment and Service on one node, and a toolbox pod on another: what the e2e tests talk through. */
export function nginxAndToolbox(nginxNode: string, toolboxNode: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, labels: {app: nginx}}
spec:
  replicas: 1
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      nodeSelector: {kubernetes.io/hostname: ${nginxNode}}
      containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  selector: {app: nginx}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: toolbox}
spec:
  nodeName: ${toolboxNode}
  containers: [{name: toolbox, image: kubectl-submariner/toolbox}]
`;
}
