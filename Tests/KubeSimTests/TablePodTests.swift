import Testing

@testable import KubeSim

@Suite struct TablePodTests {
    func pod(_ status: String, spec: String = #"{"containers": [{"name": "app", "image": "nginx"}]}"#, meta: String = "") -> [JSON] {
        tableCells("", "pods", #"""
            {"metadata": {"name": "p", "creationTimestamp": "2025-05-01T11:00:00Z"\#(meta)},
             "spec": \#(spec), "status": \#(status)}
            """#)
    }

    @Test func runningPodWithWideColumns() {
        let c = pod(#"""
            {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
             "conditions": [{"type": "Ready", "status": "True"}],
             "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2025-05-01T11:00:05Z"}}}]}
            """#, spec: #"{"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx"}]}"#)
        #expect(c == ["p", "1/1", "Running", "0", "60m", "10.244.0.5", "node-1", "<none>", "<none>"])
    }

    @Test func pendingAndContainerCreating() {
        #expect(pod(#"{"phase": "Pending"}"#) == ["p", "0/1", "Pending", "0", "60m", "<none>", "<none>", "<none>", "<none>"])
        let c = pod(#"""
            {"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
              "state": {"waiting": {"reason": "ContainerCreating"}}}]}
            """#)
        #expect(c[1] == "0/1")
        #expect(c[2] == "ContainerCreating")
    }

    @Test func completedErrorAndOOMKilledWithRowConditions() {
        let done = TablePrinter.row(group: "", resource: "pods", object: tableParsed(#"""
            {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]},
             "status": {"phase": "Succeeded", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
               "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}
            """#), now: tableNow)
        #expect(done.cells[1] == "0/1")
        #expect(done.cells[2] == "Completed")
        #expect(done.cells[4] == "<unknown>")
        #expect(done.conditions == [.obj([
            "type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully.",
        ])])
        #expect(done.json["conditions"]?.arrayValue?.count == 1)
        let failed = TablePrinter.row(group: "", resource: "pods", object: tableParsed(#"""
            {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]},
             "status": {"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}
            """#), now: tableNow)
        #expect(failed.cells[2] == "Error")
        #expect(failed.conditions.first?["reason"] == "Failed")
        #expect(pod(#"{"phase": "Running", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}"#)[2] == "OOMKilled")
        #expect(pod(#"{"phase": "Running", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 2}}}]}"#)[2] == "ExitCode:2")
        #expect(pod(#"{"phase": "Running", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 0, "signal": 9}}}]}"#)[2] == "Signal:9")
        #expect(TablePrinter.row(group: "", resource: "pods", object: tableParsed(#"{"metadata": {"name": "x"}, "status": {"phase": "Running"}}"#), now: tableNow).conditions == [])
    }

    @Test func crashLoopWithRestartAge() {
        let c = pod(#"""
            {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 5,
              "state": {"waiting": {"reason": "CrashLoopBackOff"}},
              "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2025-05-01T11:55:00Z"}}}]}
            """#)
        #expect(c[2] == "CrashLoopBackOff")
        #expect(c[3] == "5 (5m ago)")
        // Without a finish time there is no "ago".
        let bare = pod(#"{"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 2, "state": {"running": {}}, "ready": true}]}"#)
        #expect(bare[3] == "2")
        #expect(bare[1] == "1/1")
    }

    @Test func terminatingAndNodeLost() {
        let meta = #", "deletionTimestamp": "2025-05-01T11:59:00Z""#
        #expect(pod(#"{"phase": "Running"}"#, meta: meta)[2] == "Terminating")
        #expect(pod(#"{"phase": "Succeeded"}"#, meta: meta)[2] == "Succeeded")
        #expect(pod(#"{"phase": "Running", "reason": "NodeLost"}"#, meta: meta)[2] == "Unknown")
    }

    @Test func initContainerReasons() {
        let spec = #"{"initContainers": [{"name": "init"}, {"name": "init2"}], "containers": [{"name": "app"}]}"#
        #expect(pod(#"""
            {"phase": "Pending", "initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "PodInitializing"}}}]}
            """#, spec: spec)[2] == "Init:0/2")
        #expect(pod(#"""
            {"phase": "Pending", "initContainerStatuses": [
              {"name": "init", "state": {"terminated": {"exitCode": 0}}},
              {"name": "init2", "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
            """#, spec: spec)[2] == "Init:CrashLoopBackOff")
        let failed = pod(#"""
            {"phase": "Pending", "initContainerStatuses": [{"name": "init", "restartCount": 1,
              "state": {"terminated": {"exitCode": 1, "reason": "Error"}},
              "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-05-01T11:58:00Z"}}}]}
            """#, spec: spec)
        #expect(failed[2] == "Init:Error")
        #expect(failed[3] == "1 (2m ago)")
        #expect(pod(#"{"phase": "Pending", "initContainerStatuses": [{"name": "init", "state": {"terminated": {"exitCode": 3}}}]}"#, spec: spec)[2] == "Init:ExitCode:3")
    }

    @Test func sidecarsCountAsContainers() {
        let spec = #"{"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "app"}]}"#
        let c = pod(#"""
            {"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
             "initContainerStatuses": [{"name": "proxy", "started": true, "ready": true, "restartCount": 1, "state": {"running": {}}}],
             "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}]}
            """#, spec: spec)
        #expect(c[1] == "2/2")
        #expect(c[2] == "Running")
        #expect(c[3] == "1")
    }

    @Test func completedWithARunningContainer() {
        let two = #"{"containers": [{"name": "a"}, {"name": "b"}]}"#
        func status(_ ready: String) -> String {
            #"""
            {"phase": "Running", "conditions": [\#(ready)],
             "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}},
                                   {"name": "b", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
            """#
        }
        #expect(pod(status(#"{"type": "Ready", "status": "True"}"#), spec: two)[2] == "Running")
        #expect(pod(status(""), spec: two)[2] == "NotReady")
    }

    @Test func schedulingGatedReadinessGatesAndNominatedNode() {
        let c = pod(#"""
            {"phase": "Pending", "nominatedNodeName": "node-2", "podIPs": [{"ip": "fd00::5"}],
             "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"},
                            {"type": "example.com/lb", "status": "True"}]}
            """#, spec: #"{"containers": [{"name": "a"}], "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]}"#)
        #expect(c[2] == "SchedulingGated")
        #expect(c[5] == "fd00::5")
        #expect(c[7] == "node-2")
        #expect(c[8] == "1/2")
    }
}

