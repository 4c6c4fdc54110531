import Testing

@testable import KubeSim

@Suite struct BuiltinSchemaTests {
    func json(_ s: String) throws -> JSON { try JSON.parse(s) }

    /// Prunes and returns the output serialised (so key order counts too).
    func prune(_ group: String, _ version: String, _ kind: String, _ body: String) throws
        -> (out: String, unknown: [String])
    {
        let r = try #require(BuiltinSchema.prune(group: group, version: version, kind: kind, object: json(body)))
        return (r.pruned.serializedString, r.unknownFields)
    }

    @Test func tableIsComplete() {
        let t = BuiltinSchema.tables
        #expect(t.unresolved.isEmpty)
        #expect(t.kinds.count == 28)
        #expect(t.models.count > 200)
        for (g, v, k) in [
            ("", "v1", "Pod"), ("", "v1", "Event"), ("", "v1", "Endpoints"), ("apps", "v1", "ControllerRevision"),
            ("batch", "v1", "CronJob"), ("coordination.k8s.io", "v1", "Lease"), ("events.k8s.io", "v1", "Event"),
            ("policy", "v1", "Eviction"), ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
            ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"), ("autoscaling", "v1", "Scale"),
        ] {
            #expect(BuiltinSchema.knows(group: g, version: v, kind: k), "\(g)/\(v) \(k)")
        }
    }

    @Test func podWithBogusContainerField() throws {
        let r = try prune(
            "", "v1", "Pod",
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","bogus":true,"ports":[{"containerPort":80}]}]}}"#
        )
        #expect(
            r.out
                == #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]}]}}"#
        )
        #expect(r.unknown == ["spec.containers[0].bogus"])
    }

    @Test func unknownFieldsAreListedInDocumentOrderAtEveryLevel() throws {
        let r = try prune(
            "", "v1", "Pod",
            #"{"zzz":1,"kind":"Pod","metadata":{"name":"p","nope":"x","labels":{"a":"b"}},"spec":{"extra":null,"containers":[{"name":"a"},{"name":"b","env":[{"name":"E","valueFrom":{"fieldRef":{"fieldPath":"x","bad":1}}}]}]},"status":{"phase":"Running","aaa":{}}}"#
        )
        #expect(
            r.unknown == [
                "zzz", "metadata.nope", "spec.extra", "spec.containers[1].env[0].valueFrom.fieldRef.bad",
                "status.aaa",
            ])
        #expect(
            r.out
                == #"{"kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"containers":[{"name":"a"},{"name":"b","env":[{"name":"E","valueFrom":{"fieldRef":{"fieldPath":"x"}}}]}]},"status":{"phase":"Running"}}"#
        )
    }

    @Test func deploymentWithBogusTemplateField() throws {
        let r = try prune(
            "apps", "v1", "Deployment",
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},"template":{"metadata":{"labels":{"app":"d"}},"bogus":"x","spec":{"containers":[{"name":"c","image":"i","imagePullPolicy":"Always","tty":false,"bogus2":[1]}]}}}}"#
        )
        #expect(
            r.out
                == #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i","imagePullPolicy":"Always","tty":false}]}}}}"#
        )
        #expect(r.unknown == ["spec.template.bogus", "spec.template.spec.containers[0].bogus2"])
    }

    static let fullPod = #"""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"full","namespace":"ns","labels":{"app":"x"},"annotations":{"a.b/c":"d"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true,"blockOwnerDeletion":true}],
           "finalizers":["f"],"creationTimestamp":"2024-01-01T00:00:00Z","uid":"u","resourceVersion":"5","generation":1,
           "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2024-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{}}}}}}]},
         "spec":{
           "affinity":{
             "nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]}],"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["n1"]}]}]},
               "preferredDuringSchedulingIgnoredDuringExecution":[{"weight":10,"preference":{"matchExpressions":[{"key":"disk","operator":"Exists"}]}}]},
             "podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"kubernetes.io/hostname","namespaces":["x"],"matchLabelKeys":["pod-template-hash"]}]},
             "podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":5,"podAffinityTerm":{"labelSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["x"]}]},"namespaceSelector":{},"topologyKey":"zone"}}]}},
           "tolerations":[{"key":"k","operator":"Equal","value":"v","effect":"NoSchedule"},{"operator":"Exists","effect":"NoExecute","tolerationSeconds":30}],
           "nodeSelector":{"kubernetes.io/os":"linux"},
           "securityContext":{"runAsUser":1000,"runAsGroup":1000,"runAsNonRoot":true,"fsGroup":2000,"fsGroupChangePolicy":"OnRootMismatch","supplementalGroups":[3000],"supplementalGroupsPolicy":"Merge","seccompProfile":{"type":"RuntimeDefault"},"sysctls":[{"name":"net.core.somaxconn","value":"1024"}],"seLinuxOptions":{"level":"s0:c1"},"appArmorProfile":{"type":"RuntimeDefault"}},
           "initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"],"restartPolicy":"Always","startupProbe":{"exec":{"command":["true"]},"failureThreshold":30,"periodSeconds":1}}],
           "containers":[{"name":"app","image":"nginx:1.27","args":["-g","daemon off;"],"workingDir":"/w",
             "ports":[{"name":"http","containerPort":80,"protocol":"TCP","hostPort":8080}],
             "env":[{"name":"A","value":"1"},
                    {"name":"B","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},
                    {"name":"C","valueFrom":{"resourceFieldRef":{"containerName":"app","resource":"limits.cpu","divisor":"1m"}}},
                    {"name":"D","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k","optional":true}}},
                    {"name":"E","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}],
             "envFrom":[{"prefix":"P_","configMapRef":{"name":"cm"}},{"secretRef":{"name":"s","optional":false}}],
             "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":0.25,"memory":"64Mi"},"claims":[{"name":"gpu"}]},
             "resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}],
             "livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP","httpHeaders":[{"name":"X","value":"y"}]},"initialDelaySeconds":3,"periodSeconds":10,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3,"terminationGracePeriodSeconds":5},
             "readinessProbe":{"tcpSocket":{"port":80},"periodSeconds":5},
             "startupProbe":{"grpc":{"port":9000,"service":"s"}},
             "lifecycle":{"preStop":{"sleep":{"seconds":5}},"postStart":{"exec":{"command":["echo"]}},"stopSignal":"SIGTERM"},
             "volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true,"subPath":"x","mountPropagation":"None","recursiveReadOnly":"Disabled"}],
             "volumeDevices":[{"name":"blk","devicePath":"/dev/xvda"}],
             "securityContext":{"allowPrivilegeEscalation":false,"privileged":false,"readOnlyRootFilesystem":true,"capabilities":{"add":["NET_ADMIN"],"drop":["ALL"]},"procMount":"Default","runAsUser":1}, 
             "stdin":false,"tty":false,"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
           "volumes":[
             {"name":"data","persistentVolumeClaim":{"claimName":"pvc","readOnly":false}},
             {"name":"cfg","configMap":{"name":"cm","items":[{"key":"k","path":"p","mode":420}],"defaultMode":420,"optional":true}},
             {"name":"sec","secret":{"secretName":"s","items":[{"key":"k","path":"p"}]}},
             {"name":"tmp","emptyDir":{"medium":"Memory","sizeLimit":"1Gi"}},
             {"name":"host","hostPath":{"path":"/var/log","type":"Directory"}},
             {"name":"proj","projected":{"sources":[{"serviceAccountToken":{"audience":"api","expirationSeconds":3600,"path":"token"}},{"downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}}]}},{"clusterTrustBundle":{"signerName":"x","path":"b","labelSelector":{}}}],"defaultMode":420}},
             {"name":"eph","ephemeral":{"volumeClaimTemplate":{"metadata":{"labels":{"a":"b"}},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"storageClassName":"fast","volumeMode":"Block"}}}},
             {"name":"csi","csi":{"driver":"d","volumeAttributes":{"a":"b"},"nodePublishSecretRef":{"name":"s"}}},
             {"name":"img","image":{"reference":"repo/img:1","pullPolicy":"IfNotPresent"}},
             {"name":"nfs","nfs":{"server":"s","path":"/p"}}],
           "dnsPolicy":"ClusterFirst","dnsConfig":{"nameservers":["1.1.1.1"],"options":[{"name":"ndots","value":"2"}],"searches":["x"]},
           "hostAliases":[{"ip":"127.0.0.1","hostnames":["foo"]}],
           "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"x"}},"minDomains":2,"nodeAffinityPolicy":"Honor"}],
           "readinessGates":[{"conditionType":"x/ready"}],"schedulingGates":[{"name":"g"}],
           "resourceClaims":[{"name":"gpu","resourceClaimTemplateName":"t"}],
           "os":{"name":"linux"},"overhead":{"cpu":"10m"},"imagePullSecrets":[{"name":"reg"}],
           "restartPolicy":"Always","terminationGracePeriodSeconds":30,"activeDeadlineSeconds":100,"serviceAccountName":"sa",
           "automountServiceAccountToken":false,"priorityClassName":"high","priority":1000,"preemptionPolicy":"Never",
           "hostNetwork":false,"hostPID":false,"hostIPC":false,"hostUsers":true,"shareProcessNamespace":false,
           "hostname":"h","subdomain":"s","setHostnameAsFQDN":false,"schedulerName":"default-scheduler","runtimeClassName":"rc","enableServiceLinks":true},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2024-01-01T00:00:00Z"}],
           "hostIP":"10.0.0.1","hostIPs":[{"ip":"10.0.0.1"}],"podIP":"10.1.0.1","podIPs":[{"ip":"10.1.0.1"}],"qosClass":"Burstable","startTime":"2024-01-01T00:00:00Z",
           "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"image":"nginx:1.27","imageID":"sha","containerID":"c://1","started":true,
             "state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}},
             "allocatedResources":{"cpu":"250m"},"resources":{"limits":{"cpu":"500m"}},"volumeMounts":[{"name":"data","mountPath":"/data"}]}]}}
        """#

    @Test func fullFeaturedPodIsUnchanged() throws {
        let body = try json(Self.fullPod)
        let r = try #require(BuiltinSchema.prune(group: "", version: "v1", kind: "Pod", object: body))
        #expect(r.unknownFields == [])
        #expect(r.pruned.serializedString == body.serializedString)
    }

    @Test func crdKeepsFreeFormSchemaParts() throws {
        let crd = #"""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced",
               "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList","shortNames":["wd"],"categories":["all"]},
               "conversion":{"strategy":"None"},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size","priority":0}],
                 "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
                 "selectableFields":[{"jsonPath":".spec.color"}],
                 "schema":{"openAPIV3Schema":{"type":"object","description":"d",
                   "properties":{
                     "spec":{"type":"object","required":["size"],
                       "x-kubernetes-validations":[{"rule":"self.size > 0","message":"m","reason":"FieldValueInvalid","fieldPath":".size"}],
                       "properties":{
                         "size":{"type":"integer","minimum":1,"maximum":10,"default":3},
                         "port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
                         "color":{"type":"string","enum":["red","blue"],"example":"red"},
                         "config":{"type":"object","default":{"nested":{"deep":[1,{"x":true}]}},"x-kubernetes-preserve-unknown-fields":true},
                         "labels":{"type":"object","additionalProperties":{"type":"string","maxLength":63}},
                         "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                           "items":{"type":"object","properties":{"name":{"type":"string"},"opts":{"type":"object","properties":{"a":{"type":"string"}}}}}},
                         "embedded":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}},
                     "status":{"type":"object","properties":{"replicas":{"type":"integer"}}}}}}}]},
             "status":{"acceptedNames":{"plural":"widgets","kind":"Widget"},"storedVersions":["v1"],
               "conditions":[{"type":"Established","status":"True","reason":"InitialNamesAccepted","message":"ok"}]}}
            """#
        let body = try json(crd)
        let r = try #require(
            BuiltinSchema.prune(
                group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", object: body))
        #expect(r.unknownFields == [])
        #expect(r.pruned.serializedString == body.serializedString)

        // A bogus member of a nested JSONSchemaProps (reached through the
        // `properties` map) is reported with the map key in its path.
        let bad = crd.replacing(
            #""size":{"type":"integer","#, with: #""size":{"typo":"integer","type":"integer","#
        ).replacing(#""conversion":{"strategy":"None"}"#, with: #""conversion":{"strategy":"None","x":1}"#)
        let r2 = try #require(
            BuiltinSchema.prune(
                group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", object: json(bad)))
        #expect(
            r2.unknownFields == [
                "spec.conversion.x",
                "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.typo",
            ])
        #expect(r2.pruned.serializedString == body.serializedString)
    }

    @Test func kindsWithoutStatusTypeReportStatus() throws {
        let r = try prune(
            "", "v1", "ConfigMap",
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"},"binaryData":{"b":"AA=="},"status":{}}"#
        )
        #expect(r.unknown == ["status"])
        #expect(
            r.out == #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"},"binaryData":{"b":"AA=="}}"#)
    }

    @Test func freeFormAndMismatchedValuesAreLeftAlone() throws {
        // ControllerRevision.data is a RawExtension; Service targetPort is an
        // IntOrString; a string where a struct belongs is not this pass's business.
        let cr = try prune(
            "apps", "v1", "ControllerRevision",
            #"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"revision":1,"data":{"spec":{"anything":{"goes":[1]}}}}"#
        )
        #expect(cr.unknown == [])
        let svc = try prune(
            "", "v1", "Service",
            #"{"kind":"Service","spec":{"ports":[{"port":80,"targetPort":"http"}],"selector":{"app":"x"},"sessionAffinityConfig":"weird"}}"#
        )
        #expect(svc.unknown == [])
    }

    @Test func deleteOptionsUnderAnyGroupVersion() throws {
        let body = #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","preconditions":{"uid":"u","bad":1},"gracePeriodSeconds":0}"#
        for (g, v) in [("meta.k8s.io", "v1"), ("", "v1"), ("apps", "v1")] {
            let r = try prune(g, v, "DeleteOptions", body)
            #expect(r.unknown == ["preconditions.bad"])
            #expect(
                r.out == #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","preconditions":{"uid":"u"},"gracePeriodSeconds":0}"#)
        }
    }

    @Test func unknownKindIsNil() throws {
        let body = try json(#"{"apiVersion":"example.com/v1","kind":"Widget","spec":{"x":1}}"#)
        #expect(BuiltinSchema.prune(group: "example.com", version: "v1", kind: "Widget", object: body) == nil)
        #expect(BuiltinSchema.prune(group: "apps", version: "v1", kind: "Pod", object: body) == nil)
        #expect(BuiltinSchema.prune(group: "", version: "v2", kind: "Pod", object: body) == nil)
    }

    @Test func reportsAtMostOneHundredPaths() throws {
        let containers = (0..<150).map { #"{"name":"c\#($0)","x":1}"# }.joined(separator: ",")
        let r = try prune("", "v1", "Pod", #"{"spec":{"containers":[\#(containers)]}}"#)
        #expect(r.unknown.count == 100)
        #expect(r.unknown.first == "spec.containers[0].x")
        #expect(r.unknown.last == "spec.containers[99].x")
        #expect(!r.out.contains(#""x":1"#))
    }
}
