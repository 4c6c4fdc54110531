// k8s.io/api apps/v1, batch/v1, autoscaling/v1 generated.proto
extension ProtobufSchema {
    static let apps: [String: [Field]] = [
        "apps.v1.Deployment": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("apps.v1.DeploymentSpec")),
            f(3, "status", m("apps.v1.DeploymentStatus")),
        ],
        "apps.v1.DeploymentSpec": [
            f(1, "replicas", .int32, .ptr), f(2, "selector", m("meta.v1.LabelSelector"), .ptr),
            f(3, "template", m("core.v1.PodTemplateSpec")), f(4, "strategy", m("apps.v1.DeploymentStrategy")),
            f(5, "minReadySeconds", .int32), f(6, "revisionHistoryLimit", .int32, .ptr), f(7, "paused", .bool),
            f(9, "progressDeadlineSeconds", .int32, .ptr),
        ],
        "apps.v1.DeploymentStrategy": [
            f(1, "type", .string), f(2, "rollingUpdate", m("apps.v1.RollingUpdateDeployment"), .ptr),
        ],
        "apps.v1.RollingUpdateDeployment": [
            f(1, "maxUnavailable", m("intstr.IntOrString"), .ptr), f(2, "maxSurge", m("intstr.IntOrString"), .ptr),
        ],
        "apps.v1.DeploymentStatus": [
            f(1, "observedGeneration", .int64), f(2, "replicas", .int32), f(3, "updatedReplicas", .int32),
            f(7, "readyReplicas", .int32), f(4, "availableReplicas", .int32), f(5, "unavailableReplicas", .int32),
            f(9, "terminatingReplicas", .int32, .ptr), f(6, "conditions", .list(m("apps.v1.DeploymentCondition"))),
            f(8, "collisionCount", .int32, .ptr),
        ],
        "apps.v1.DeploymentCondition": [
            f(1, "type", .string, .req), f(2, "status", .string, .req), f(6, "lastUpdateTime", m("meta.v1.Time")),
            f(7, "lastTransitionTime", m("meta.v1.Time")), f(4, "reason", .string), f(5, "message", .string),
        ],
        "apps.v1.ReplicaSet": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("apps.v1.ReplicaSetSpec")),
            f(3, "status", m("apps.v1.ReplicaSetStatus")),
        ],
        "apps.v1.ReplicaSetSpec": [
            f(1, "replicas", .int32, .ptr), f(4, "minReadySeconds", .int32),
            f(2, "selector", m("meta.v1.LabelSelector"), .ptr), f(3, "template", m("core.v1.PodTemplateSpec")),
        ],
        "apps.v1.ReplicaSetStatus": [
            f(1, "replicas", .int32, .req), f(2, "fullyLabeledReplicas", .int32), f(4, "readyReplicas", .int32),
            f(5, "availableReplicas", .int32), f(7, "terminatingReplicas", .int32, .ptr),
            f(3, "observedGeneration", .int64),
        ],
        "apps.v1.StatefulSet": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("apps.v1.StatefulSetSpec")),
            f(3, "status", m("apps.v1.StatefulSetStatus")),
        ],
        "apps.v1.StatefulSetSpec": [
            f(1, "replicas", .int32, .ptr), f(2, "selector", m("meta.v1.LabelSelector"), .ptr),
            f(3, "template", m("core.v1.PodTemplateSpec")),
            f(4, "volumeClaimTemplates", .list(m("core.v1.PersistentVolumeClaim"))), f(5, "serviceName", .string),
            f(6, "podManagementPolicy", .string), f(7, "updateStrategy", m("apps.v1.StatefulSetUpdateStrategy")),
            f(8, "revisionHistoryLimit", .int32, .ptr), f(9, "minReadySeconds", .int32),
            f(10, "persistentVolumeClaimRetentionPolicy",
              m("apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy"), .ptr),
            f(11, "ordinals", m("apps.v1.StatefulSetOrdinals"), .ptr),
        ],
        "apps.v1.StatefulSetUpdateStrategy": [
            f(1, "type", .string), f(2, "rollingUpdate", m("apps.v1.RollingUpdateStatefulSetStrategy"), .ptr),
        ],
        "apps.v1.RollingUpdateStatefulSetStrategy": [
            f(1, "partition", .int32, .ptr), f(2, "maxUnavailable", m("intstr.IntOrString"), .ptr),
        ],
        "apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy": [
            f(1, "whenDeleted", .string), f(2, "whenScaled", .string),
        ],
        "apps.v1.StatefulSetOrdinals": [f(1, "start", .int32)],
        "apps.v1.StatefulSetStatus": [
            f(1, "observedGeneration", .int64), f(2, "replicas", .int32, .req), f(3, "readyReplicas", .int32),
            f(4, "currentReplicas", .int32), f(5, "updatedReplicas", .int32), f(6, "currentRevision", .string),
            f(7, "updateRevision", .string), f(9, "collisionCount", .int32, .ptr),
            f(11, "availableReplicas", .int32, .req),
        ],
        "apps.v1.DaemonSet": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("apps.v1.DaemonSetSpec")),
            f(3, "status", m("apps.v1.DaemonSetStatus")),
        ],
        "apps.v1.DaemonSetSpec": [
            f(1, "selector", m("meta.v1.LabelSelector"), .ptr), f(2, "template", m("core.v1.PodTemplateSpec")),
            f(3, "updateStrategy", m("apps.v1.DaemonSetUpdateStrategy")), f(4, "minReadySeconds", .int32),
            f(6, "revisionHistoryLimit", .int32, .ptr),
        ],
        "apps.v1.DaemonSetUpdateStrategy": [
            f(1, "type", .string), f(2, "rollingUpdate", m("apps.v1.RollingUpdateDaemonSet"), .ptr),
        ],
        "apps.v1.RollingUpdateDaemonSet": [
            f(1, "maxUnavailable", m("intstr.IntOrString"), .ptr), f(2, "maxSurge", m("intstr.IntOrString"), .ptr),
        ],
        "apps.v1.DaemonSetStatus": [
            f(1, "currentNumberScheduled", .int32, .req), f(2, "numberMisscheduled", .int32, .req),
            f(3, "desiredNumberScheduled", .int32, .req), f(4, "numberReady", .int32, .req),
            f(5, "observedGeneration", .int64), f(6, "updatedNumberScheduled", .int32),
            f(7, "numberAvailable", .int32), f(8, "numberUnavailable", .int32), f(9, "collisionCount", .int32, .ptr),
        ],
    ]

    static let batch: [String: [Field]] = [
        "batch.v1.Job": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("batch.v1.JobSpec")),
            f(3, "status", m("batch.v1.JobStatus")),
        ],
        "batch.v1.JobSpec": [
            f(1, "parallelism", .int32, .ptr), f(2, "completions", .int32, .ptr),
            f(3, "activeDeadlineSeconds", .int64, .ptr), f(11, "podFailurePolicy", m("batch.v1.PodFailurePolicy"), .ptr),
            f(15, "successPolicy", m("batch.v1.SuccessPolicy"), .ptr), f(7, "backoffLimit", .int32, .ptr),
            f(12, "backoffLimitPerIndex", .int32, .ptr), f(13, "maxFailedIndexes", .int32, .ptr),
            f(4, "selector", m("meta.v1.LabelSelector"), .ptr), f(5, "manualSelector", .bool, .ptr),
            f(6, "template", m("core.v1.PodTemplateSpec")), f(8, "ttlSecondsAfterFinished", .int32, .ptr),
            f(9, "completionMode", .string, .ptr), f(10, "suspend", .bool, .ptr),
            f(14, "podReplacementPolicy", .string, .ptr), f(16, "managedBy", .string, .ptr),
        ],
        "batch.v1.JobStatus": [
            f(1, "conditions", .list(m("batch.v1.JobCondition"))), f(2, "startTime", m("meta.v1.Time"), .ptr),
            f(3, "completionTime", m("meta.v1.Time"), .ptr), f(4, "active", .int32), f(5, "succeeded", .int32),
            f(6, "failed", .int32), f(11, "terminating", .int32, .ptr), f(7, "completedIndexes", .string),
            f(10, "failedIndexes", .string, .ptr), f(9, "ready", .int32, .ptr),
        ],
        "batch.v1.JobCondition": [
            f(1, "type", .string, .req), f(2, "status", .string, .req), f(3, "lastProbeTime", m("meta.v1.Time")),
            f(4, "lastTransitionTime", m("meta.v1.Time")), f(5, "reason", .string), f(6, "message", .string),
        ],
        "batch.v1.CronJob": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("batch.v1.CronJobSpec")),
            f(3, "status", m("batch.v1.CronJobStatus")),
        ],
        "batch.v1.CronJobSpec": [
            f(1, "schedule", .string, .req), f(8, "timeZone", .string, .ptr),
            f(2, "startingDeadlineSeconds", .int64, .ptr), f(3, "concurrencyPolicy", .string),
            f(4, "suspend", .bool, .ptr), f(5, "jobTemplate", m("batch.v1.JobTemplateSpec")),
            f(6, "successfulJobsHistoryLimit", .int32, .ptr), f(7, "failedJobsHistoryLimit", .int32, .ptr),
        ],
        "batch.v1.JobTemplateSpec": [f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("batch.v1.JobSpec"))],
        "batch.v1.CronJobStatus": [
            f(1, "active", .list(m("core.v1.ObjectReference"))), f(4, "lastScheduleTime", m("meta.v1.Time"), .ptr),
            f(5, "lastSuccessfulTime", m("meta.v1.Time"), .ptr),
        ],
    ]

    static let autoscaling: [String: [Field]] = [
        "autoscaling.v1.Scale": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("autoscaling.v1.ScaleSpec")),
            f(3, "status", m("autoscaling.v1.ScaleStatus")),
        ],
        "autoscaling.v1.ScaleSpec": [f(1, "replicas", .int32)],
        "autoscaling.v1.ScaleStatus": [f(1, "replicas", .int32, .req), f(2, "selector", .string)],
        "autoscaling.v1.HorizontalPodAutoscaler": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("autoscaling.v1.HorizontalPodAutoscalerSpec")),
            f(3, "status", m("autoscaling.v1.HorizontalPodAutoscalerStatus")),
        ],
        "autoscaling.v1.HorizontalPodAutoscalerSpec": [
            f(1, "scaleTargetRef", m("autoscaling.v1.CrossVersionObjectReference")), f(2, "minReplicas", .int32, .ptr),
            f(3, "maxReplicas", .int32, .req), f(4, "targetCPUUtilizationPercentage", .int32, .ptr),
        ],
        "autoscaling.v1.CrossVersionObjectReference": [
            f(1, "kind", .string, .req), f(2, "name", .string, .req), f(3, "apiVersion", .string),
        ],
        "autoscaling.v1.HorizontalPodAutoscalerStatus": [
            f(1, "observedGeneration", .int64, .ptr), f(2, "lastScaleTime", m("meta.v1.Time"), .ptr),
            f(3, "currentReplicas", .int32, .req), f(4, "desiredReplicas", .int32, .req),
            f(5, "currentCPUUtilizationPercentage", .int32, .ptr),
        ],
    ]
}
