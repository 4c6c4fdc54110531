extension SimEngine {
    static let rootCA = """
        -----BEGIN CERTIFICATE-----
        MIIDBTCCAe2gAwIBAgIIU2ltVmlnaWwwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE
        AxMKa3ViZXJuZXRlczAeFw0yNTAxMDEwMDAwMDBaFw0zNTAxMDEwMDAwMDBaMBUx
        EzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
        AoIBAQC2a2ViZS1zaW0gc2ltdWxhdGVkIHJvb3QgQ0EsIG5vdCBhIHJlYWwga2V5
        -----END CERTIFICATE-----

        """

    /// The namespace controllers' side effects: a `default` ServiceAccount
    /// and the `kube-root-ca.crt` ConfigMap in every active namespace.
    func reconcileNamespace(_ name: String) async -> Requeue {
        guard let ns = cached("namespaces", "/\(name)"), ns.object[path: ["metadata", "deletionTimestamp"]] == nil else { return .awaitChange }
        if await store.lookup("serviceaccounts", namespace: name, name: "default") == nil {
            _ = try? await store.create(rt.serviceAccounts, namespace: name, object: [
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": .string(name)],
            ])
        }
        if await store.lookup("configmaps", namespace: name, name: "kube-root-ca.crt") == nil {
            _ = try? await store.create(rt.configMaps, namespace: name, object: [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": "kube-root-ca.crt", "namespace": .string(name),
                             "annotations": ["kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."]],
                "data": ["ca.crt": .string(Self.rootCA)],
            ])
        }
        return .awaitChange
    }

    /// Registers the node (Ready, 8 CPUs, 32Gi, 110 pods, kubelet v1.33.1).
    func ensureNode() async {
        guard await store.lookup("nodes", namespace: "", name: Self.nodeName) == nil else { return }
        let now = Timestamp.format(clock())
        let labels: JSON = [
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": .string(Self.nodeName), "kubernetes.io/os": "linux",
            "node-role.kubernetes.io/control-plane": "",
        ]
        let node: JSON = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(Self.nodeName), "labels": labels,
                         "annotations": ["node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"]],
            "spec": ["podCIDR": "10.244.0.0/16", "podCIDRs": ["10.244.0.0/16"]],
        ]
        func cond(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSON {
            ["type": .string(type), "status": .string(status), "lastHeartbeatTime": .string(now), "lastTransitionTime": .string(now),
             "reason": .string(reason), "message": .string(message)]
        }
        let capacity: JSON = ["cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0"]
        let status: JSON = [
            "capacity": capacity, "allocatable": capacity,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [["type": "InternalIP", "address": .string(PodRuntime.hostIP)], ["type": "Hostname", "address": .string(Self.nodeName)]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
            "nodeInfo": [
                "machineID": .string(String(SimIDs.hex64("machine").prefix(32))), "systemUUID": "5d1a7c2e-0b7e-4f51-9d3a-6a1f2c9e8b40",
                "bootID": "2f0c8a4e-9d61-4b7a-8e3f-1c5d7a9b0e26", "kernelVersion": "6.8.0-1015-gcp", "osImage": "Ubuntu 24.04.1 LTS",
                "containerRuntimeVersion": "containerd://1.7.24", "kubeletVersion": "v1.33.1", "kubeProxyVersion": "v1.33.1",
                "operatingSystem": "linux", "architecture": "amd64",
            ],
        ]
        do {
            let created = try await store.create(rt.nodes, namespace: nil, object: node)
            var withStatus = created.object
            withStatus["status"] = status
            _ = try await store.update(rt.nodes, namespace: nil, name: Self.nodeName, object: withStatus, subresource: "status")
        } catch {}
    }
}
