import Testing

@testable import KubeSim

@Suite struct TableResourceTests {
    let created = #""creationTimestamp": "2025-04-29T09:00:00Z""#  // 2d3h before tableNow

    @Test func services() {
        let svc = tableCells("", "services", #"""
            {"metadata": {"name": "web", \#(created)}, "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10",
              "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
              "selector": {"tier": "web", "app": "shop"}}}
            """#)
        #expect(svc == ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "2d3h", "app=shop,tier=web"])
        let np = tableCells("", "services", #"""
            {"metadata": {"name": "np"}, "spec": {"type": "NodePort", "clusterIP": "10.96.1.1",
              "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}}
            """#)
        #expect(np[4] == "80:30080/TCP")
        #expect(np[6] == "<none>")
        let lb = tableCells("", "services", #"{"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "None"}}"#)
        #expect(lb[2] == "None")
        #expect(lb[3] == "<pending>")
        #expect(lb[4] == "<none>")
        let lbReady = tableCells("", "services", #"""
            {"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "externalIPs": ["1.2.3.4"]},
             "status": {"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}]}}}
            """#)
        #expect(lbReady[2] == "<none>")
        #expect(lbReady[3] == "5.6.7.8,lb.example.com,1.2.3.4")
        #expect(tableCells("", "services", #"{"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}}"#)[3] == "db.example.com")
    }

    @Test func nodes() {
        let node = tableCells("", "nodes", #"""
            {"metadata": {"name": "n1", \#(created), "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "", "kubernetes.io/role": "etcd"}},
             "spec": {"unschedulable": true},
             "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
               "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "n1"}],
               "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://2.1.1"}}}
            """#)
        #expect(node == [
            "n1", "Ready,SchedulingDisabled", "control-plane,etcd", "2d3h", "v1.33.1", "172.18.0.2", "<none>",
            "Debian GNU/Linux 12 (bookworm)", "6.8.0", "containerd://2.1.1",
        ])
        let bare = tableCells("", "nodes", #"{"metadata": {"name": "n2"}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}"#)
        #expect(bare == ["n2", "NotReady", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"])
        #expect(tableCells("", "nodes", #"{"metadata": {"name": "n3"}}"#)[1] == "Unknown")
    }

    @Test func simpleCoreResources() {
        #expect(tableCells("", "namespaces", #"{"metadata": {"name": "default", \#(created)}, "status": {"phase": "Active"}}"#) == ["default", "Active", "2d3h"])
        #expect(tableCells("", "configmaps", #"{"metadata": {"name": "cm", \#(created)}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}"#) == ["cm", 3, "2d3h"])
        #expect(tableCells("", "secrets", #"{"metadata": {"name": "s", \#(created)}, "type": "Opaque", "data": {"k": "dg=="}}"#) == ["s", "Opaque", 1, "2d3h"])
        #expect(tableCells("", "serviceaccounts", #"{"metadata": {"name": "default", \#(created)}}"#) == ["default", 0, "2d3h"])
        #expect(tableCells("coordination.k8s.io", "leases", #"{"metadata": {"name": "kube-scheduler", \#(created)}, "spec": {"holderIdentity": "cp_1234"}}"#) == ["kube-scheduler", "cp_1234", "2d3h"])
        #expect(tableCells("rbac.authorization.k8s.io", "roles", #"{"metadata": {"name": "r", \#(created)}}"#) == ["r", "2025-04-29T09:00:00Z"])
    }

    @Test func endpoints() {
        #expect(tableCells("", "endpoints", #"{"metadata": {"name": "e"}}"#)[1] == "<none>")
        let e = tableCells("", "endpoints", #"""
            {"metadata": {"name": "e"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::1"}],
               "ports": [{"port": 8080}, {"port": 9090}]}]}
            """#)
        #expect(e[1] == "10.0.0.1:8080,10.0.0.2:8080,[fd00::1]:8080 + 3 more...")
    }

    @Test func events() {
        let ev = tableCells("", "events", #"""
            {"metadata": {"name": "web.17f0"}, "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container\n",
             "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{app}"},
             "source": {"component": "kubelet", "host": "node-1"},
             "firstTimestamp": "2025-05-01T11:00:00Z", "lastTimestamp": "2025-05-01T11:59:15Z", "count": 12}
            """#)
        #expect(ev == [
            "45s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, node-1",
            "Back-off restarting failed container", "60m", 12, "web.17f0",
        ])
        let newAPI = tableCells("events.k8s.io", "events", #"""
            {"metadata": {"name": "x"}, "type": "Normal", "reason": "Scheduled", "note": "Successfully assigned",
             "regarding": {"kind": "Pod", "name": "web"}, "eventTime": "2025-05-01T11:50:00.123456Z",
             "reportingController": "default-scheduler"}
            """#)
        // The MicroTime fraction counts: 9m59.876s is "9m59s", as in Go.
        #expect(newAPI == ["9m59s", "Normal", "Scheduled", "pod/web", "", "default-scheduler", "Successfully assigned", "9m59s", 1, "x"])
        let series = tableCells("", "events", #"""
            {"metadata": {"name": "y"}, "involvedObject": {"kind": "Node"}, "eventTime": "2025-05-01T10:00:00.000000Z",
             "series": {"count": 4, "lastObservedTime": "2025-05-01T11:58:00.000000Z"}}
            """#)
        #expect(series[0] == "2m")
        #expect(series[3] == "node")
        #expect(series[7] == "120m")
        #expect(series[8] == 4)
    }

    @Test func deploymentsAndReplicaSets() {
        let dep = tableCells("apps", "deployments", #"""
            {"metadata": {"name": "web", \#(created)},
             "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]},
               "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}},
             "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
            """#)
        #expect(dep == ["web", "2/3", 3, 2, "2d3h", "nginx,log", "nginx:1.27,busybox", "app=web,env in (dev,prod)"])
        let fresh = tableCells("apps", "deployments", #"{"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": []}}}}"#)
        #expect(fresh[1] == "0/1")
        #expect(fresh[7] == "")
        let rs = tableCells("apps", "replicasets", #"""
            {"metadata": {"name": "web-5d4f", \#(created)}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
              "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}, "status": {"replicas": 2, "readyReplicas": 1}}
            """#)
        #expect(rs == ["web-5d4f", 2, 2, 1, "2d3h", "nginx", "nginx", "app=web"])
        #expect(tableCells("apps", "replicasets", #"{"metadata": {"name": "r"}, "spec": {"replicas": 0}}"#)[7] == "<none>")
    }

    @Test func statefulSetsAndDaemonSets() {
        #expect(tableCells("apps", "statefulsets", #"{"metadata": {"name": "db", \#(created)}, "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "pg", "image": "postgres:17"}]}}}, "status": {"readyReplicas": 1}}"#)
            == ["db", "1/3", "2d3h", "pg", "postgres:17"])
        let ds = tableCells("apps", "daemonsets", #"""
            {"metadata": {"name": "kube-proxy", \#(created)},
             "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}}, "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
               "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.33.1"}]}}},
             "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2}}
            """#)
        #expect(ds == [
            "kube-proxy", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "2d3h", "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.33.1", "k8s-app=kube-proxy",
        ])
    }

    @Test func jobsAndCronJobs() {
        let done = tableCells("batch", "jobs", #"""
            {"metadata": {"name": "pi", \#(created)}, "spec": {"completions": 1, "parallelism": 1,
               "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}},
               "template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}},
             "status": {"succeeded": 1, "startTime": "2025-05-01T10:00:00Z", "completionTime": "2025-05-01T10:00:45Z",
               "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}}
            """#)
        #expect(done == ["pi", "Complete", "1/1", "45s", "2d3h", "pi", "perl", "batch.kubernetes.io/controller-uid=abc"])
        let running = tableCells("batch", "jobs", #"{"metadata": {"name": "j"}, "spec": {"parallelism": 3}, "status": {"startTime": "2025-05-01T11:54:30Z"}}"#)
        #expect(running[1...3] == ["Running", "0/1 of 3", "5m30s"])
        #expect(tableCells("batch", "jobs", #"{"metadata": {"name": "j"}, "status": {"conditions": [{"type": "Failed", "status": "True"}]}}"#)[1...3] == ["Failed", "0/1", ""])
        #expect(tableCells("batch", "jobs", #"{"metadata": {"name": "j"}, "status": {"conditions": [{"type": "Suspended", "status": "True"}]}}"#)[1] == "Suspended")
        #expect(tableCells("batch", "jobs", #"{"metadata": {"name": "j", "deletionTimestamp": "2025-05-01T11:00:00Z"}}"#)[1] == "Terminating")
        let cj = tableCells("batch", "cronjobs", #"""
            {"metadata": {"name": "hello", \#(created)}, "spec": {"schedule": "*/5 * * * *", "suspend": false,
              "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}},
             "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": "2025-05-01T11:55:00Z"}}
            """#)
        #expect(cj == ["hello", "*/5 * * * *", "<none>", "False", 1, "5m", "2d3h", "c", "busybox", "<none>"])
    }

    @Test func roleBindingsAndIngresses() {
        let rb = tableCells("rbac.authorization.k8s.io", "clusterrolebindings", #"""
            {"metadata": {"name": "admins", \#(created)}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
             "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "ops"}, {"kind": "User", "name": "bob"},
                          {"kind": "ServiceAccount", "namespace": "kube-system", "name": "ctrl"}]}
            """#)
        #expect(rb == ["admins", "ClusterRole/cluster-admin", "2d3h", "alice, bob", "ops", "kube-system:ctrl"])
        let ing = tableCells("networking.k8s.io", "ingresses", #"""
            {"metadata": {"name": "web", \#(created)}, "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
              "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {}, {"host": "d.example.com"}, {"host": "e.example.com"}]},
             "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.5"}]}}}
            """#)
        #expect(ing == ["web", "nginx", "a.example.com,b.example.com,d.example.com + 2 more...", "172.18.0.5", "80, 443", "2d3h"])
        #expect(tableCells("networking.k8s.io", "ingresses", #"{"metadata": {"name": "i"}, "spec": {"rules": [{}]}}"#)[1...4] == ["<none>", "*", "", "80"])
    }
}

@Suite struct TableCustomResourceTests {
    static let columns = tableParsed(#"""
        [{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
         {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "description": "Is it ready"},
         {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "format": "float"},
         {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused", "priority": 1},
         {"name": "First", "type": "string", "jsonPath": ".spec.items[*].name"},
         {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels"},
         {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
        """#)

    @Test func columnsFromTheCRD() {
        let cols = TablePrinter.columns(group: "example.com", resource: "widgets", printerColumns: Self.columns)
        #expect(cols.map(\.name) == ["Name", "Replicas", "Ready", "Ratio", "Paused", "First", "Labels", "Age"])
        #expect(cols.map(\.type) == ["string", "integer", "string", "number", "boolean", "string", "string", "date"])
        #expect(cols[0].format == "name")
        #expect(cols[1].description == "Custom resource definition column (in JSONPath format): .spec.replicas")
        #expect(cols[2].description == "Is it ready")
        #expect(cols[3].format == "float")
        #expect(cols[4].priority == 1)
    }

    @Test func cellsFromJSONPaths() {
        let row = tableCells("example.com", "widgets", #"""
            {"metadata": {"name": "w1", "creationTimestamp": "2025-05-01T11:54:30Z", "labels": {"b": "2", "a": "1"}},
             "spec": {"replicas": 2.9, "ratio": 1, "paused": true, "items": [{"name": "x"}, {"name": "y"}]},
             "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
            """#, Self.columns)
        #expect(row == ["w1", 2, "True", 1.0, true, "x", #"{"a":"1","b":"2"}"#, "5m30s"])
    }

    @Test func missingOrMistypedValuesAreEmptyCells() {
        let row = tableCells("example.com", "widgets", #"""
            {"metadata": {"name": "w2", "creationTimestamp": "not a time"},
             "spec": {"replicas": "three", "paused": "yes", "items": []}}
            """#, Self.columns)
        #expect(row == ["w2", nil, nil, nil, nil, nil, nil, "<invalid>"])
    }

    @Test func defaultColumnsWhenTheCRDHasNone() {
        let cols = TablePrinter.columns(group: "example.com", resource: "gadgets", printerColumns: [])
        #expect(cols.map(\.name) == ["Name", "Age"])
        #expect(cols[1].type == "date")
        #expect(cols[1].description.hasPrefix("CreationTimestamp is a timestamp"))
        #expect(tableCells("example.com", "gadgets", #"{"metadata": {"name": "g", "creationTimestamp": "2025-04-29T09:00:00Z"}}"#, []) == ["g", "2d3h"])
        #expect(tableCells("example.com", "gadgets", #"{"metadata": {"name": "g"}}"#, []) == ["g", nil])
    }

    @Test func wholeTable() {
        let table = TablePrinter.print(
            group: "example.com", resource: "gadgets", printerColumns: [],
            objects: [tableParsed(#"{"metadata": {"name": "a"}}"#), tableParsed(#"{"metadata": {"name": "b"}}"#)], now: tableNow)
        #expect(table.rows.map { $0.cells[0] } == ["a", "b"])
        #expect(table.columnDefinitionsJSON.arrayValue?.count == 2)
        #expect(table.rowsJSON == [.obj(["cells": ["a", nil]]), .obj(["cells": ["b", nil]])])
    }
}
