/**
 * The App Mesh Envoy image every rendering uses (gateway Deployments on EKS, task definitions on ECS).
 *
 * v1.29.9.0-prod is the sidecar tag in the App Mesh controller's own Helm chart
 * (aws/aws-app-mesh-controller-for-k8s, config/helm/appmesh-controller/values.yaml, `sidecar.image.tag`),
 * later than the v1.29.6.0-prod the controller's v1.13.1 release notes announce. On EKS the controller
 * replaces a gateway's image with its own sidecar image unless the pod opts out, so keep the two in step.
 */
export const APPMESH_ENVOY_IMAGE = 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.9.0-prod';
