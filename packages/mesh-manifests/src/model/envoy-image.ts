/**
 * The App Mesh Envoy image every rendering uses (gateway Deployments on EKS, task definitions on ECS).
 *
 * v1.34.13.3-prod is the sidecar tag the App Mesh controller's last Helm chart (1.13.3) defaults to
 * (aws/aws-app-mesh-controller-for-k8s, config/helm/appmesh-controller/values.yaml,
 * `sidecar.image.tag`, July 2026), the last Envoy App Mesh released. On EKS the controller replaces a
 * gateway's image with its own sidecar image unless the pod opts out, so keep the two in step; the
 * lint's `outdated-envoy-image` warns about any older tag.
 */
export const APPMESH_ENVOY_IMAGE = 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.34.13.3-prod';
