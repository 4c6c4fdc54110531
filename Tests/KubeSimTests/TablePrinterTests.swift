import Testing

@testable import KubeSim

/// Fixed clock: 2025-05-01T12:00:00Z.
let tableNow = Timestamp.parse("2025-05-01T12:00:00Z")!

func tableParsed(_ text: String) -> JSON { try! JSON.parse(text) }

func tableHeaders(_ group: String, _ resource: String, _ printerColumns: JSON? = nil) -> [String] {
    TablePrinter.columns(group: group, resource: resource, printerColumns: printerColumns).map {
        $0.priority > 0 ? "\($0.name)*" : $0.name
    }
}

func tableCells(_ group: String, _ resource: String, _ object: String, _ printerColumns: JSON? = nil) -> [JSON] {
    TablePrinter.row(group: group, resource: resource, printerColumns: printerColumns, object: tableParsed(object), now: tableNow)
        .cells
}

@Suite struct TableColumnsTests {
    @Test func builtinColumnLists() {
        #expect(tableHeaders("", "pods") == [
            "Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*", "Nominated Node*", "Readiness Gates*",
        ])
        #expect(tableHeaders("", "namespaces") == ["Name", "Status", "Age"])
        #expect(tableHeaders("", "nodes") == [
            "Name", "Status", "Roles", "Age", "Version", "Internal-IP*", "External-IP*", "OS-Image*", "Kernel-Version*",
            "Container-Runtime*",
        ])
        #expect(tableHeaders("", "services") == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector*"])
        #expect(tableHeaders("", "endpoints") == ["Name", "Endpoints", "Age"])
        #expect(tableHeaders("", "configmaps") == ["Name", "Data", "Age"])
        #expect(tableHeaders("", "secrets") == ["Name", "Type", "Data", "Age"])
        #expect(tableHeaders("", "serviceaccounts") == ["Name", "Secrets", "Age"])
        #expect(tableHeaders("", "events") == [
            "Last Seen", "Type", "Reason", "Object", "Subobject*", "Source*", "Message", "First Seen*", "Count*", "Name*",
        ])
        #expect(tableHeaders("events.k8s.io", "events") == tableHeaders("", "events"))
        #expect(tableHeaders("apps", "deployments") == [
            "Name", "Ready", "Up-to-date", "Available", "Age", "Containers*", "Images*", "Selector*",
        ])
        #expect(tableHeaders("apps", "replicasets") == [
            "Name", "Desired", "Current", "Ready", "Age", "Containers*", "Images*", "Selector*",
        ])
        #expect(tableHeaders("apps", "statefulsets") == ["Name", "Ready", "Age", "Containers*", "Images*"])
        #expect(tableHeaders("apps", "daemonsets") == [
            "Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers*",
            "Images*", "Selector*",
        ])
        #expect(tableHeaders("batch", "jobs") == [
            "Name", "Status", "Completions", "Duration", "Age", "Containers*", "Images*", "Selector*",
        ])
        #expect(tableHeaders("batch", "cronjobs") == [
            "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers*", "Images*",
            "Selector*",
        ])
        #expect(tableHeaders("coordination.k8s.io", "leases") == ["Name", "Holder", "Age"])
        #expect(tableHeaders("rbac.authorization.k8s.io", "clusterroles") == ["Name", "Created At"])
        #expect(tableHeaders("rbac.authorization.k8s.io", "rolebindings") == [
            "Name", "Role", "Age", "Users*", "Groups*", "ServiceAccounts*",
        ])
        #expect(tableHeaders("networking.k8s.io", "ingresses") == ["Name", "Class", "Hosts", "Address", "Ports", "Age"])
    }

    @Test func nameColumnAndTypes() {
        let pods = TablePrinter.columns(group: "", resource: "pods")
        #expect(pods[0].format == "name")
        #expect(pods[0].type == "string")
        #expect(pods[0].description.hasPrefix("Name must be unique within a namespace."))
        #expect(pods[3].type == "string")
        #expect(pods[4].description.hasPrefix("CreationTimestamp is a timestamp"))
        #expect(pods[1].format == "")
        #expect(TablePrinter.columns(group: "apps", resource: "replicasets")[1].type == "integer")
        #expect(TablePrinter.columns(group: "batch", resource: "cronjobs")[3].type == "boolean")
        let events = TablePrinter.columns(group: "", resource: "events")
        #expect(events[0].format == "")
        #expect(events[9].format == "name")
    }

    @Test func columnWireForm() {
        let json = TablePrinter.columns(group: "", resource: "pods")[5].json
        #expect(json["name"] == "IP")
        #expect(json["type"] == "string")
        #expect(json["format"] == "")
        #expect(json["priority"] == 1)
        #expect(json["description"]?.stringValue?.isEmpty == false)
        #expect(json.objectValue?.keys == ["name", "type", "format", "description", "priority"])
    }

    @Test func unknownBuiltinsGetTheDefaultTable() {
        #expect(tableHeaders("apiextensions.k8s.io", "customresourcedefinitions") == ["Name", "Created At"])
        #expect(tableHeaders("apiregistration.k8s.io", "widgets") == ["Name", "Created At"])
        #expect(TablePrinter.columns(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")[1].type == "date")
        #expect(!TablePrinter.hasBuiltinPrinter(group: "apiextensions.k8s.io", resource: "customresourcedefinitions"))
        #expect(TablePrinter.hasBuiltinPrinter(group: "", resource: "pods"))
        let row = tableCells("apiextensions.k8s.io", "customresourcedefinitions", #"""
            {"metadata": {"name": "widgets.example.com", "creationTimestamp": "2025-04-01T08:30:00Z"}}
            """#)
        #expect(row == ["widgets.example.com", "2025-04-01T08:30:00Z"])
    }
}
