/// The printers of core (`v1`) resources other than pods.
enum CorePrinters {
    typealias P = TablePrinter
    typealias D = PrinterDescriptions

    static let namespaces = P.Printer(
        columns: [P.nameColumn, P.col("Status", "string", D.namespaceStatus), P.ageColumn],
        row: { o, now in TableRow(cells: [P.name(o), .string(o.pString("status", "phase")), P.age(o, now)]) }
    )

    static let configMaps = P.Printer(
        columns: [P.nameColumn, P.col("Data", "string", D.configMapData), P.ageColumn],
        row: { o, now in
            let n = o.pObject("data").count + o.pObject("binaryData").count
            return TableRow(cells: [P.name(o), .int(Int64(n)), P.age(o, now)])
        }
    )

    static let secrets = P.Printer(
        columns: [P.nameColumn, P.col("Type", "string", D.secretType), P.col("Data", "string", D.secretData), P.ageColumn],
        row: { o, now in
            TableRow(cells: [P.name(o), .string(o.pString("type")), .int(Int64(o.pObject("data").count)), P.age(o, now)])
        }
    )

    static let serviceAccounts = P.Printer(
        columns: [P.nameColumn, P.col("Secrets", "string", D.serviceAccountSecrets), P.ageColumn],
        row: { o, now in TableRow(cells: [P.name(o), .int(Int64(o.pArray("secrets").count)), P.age(o, now)]) }
    )

    // MARK: Nodes

    static let nodes = P.Printer(
        columns: [
            P.nameColumn, P.col("Status", "string", D.nodeStatus), P.col("Roles", "string", D.nodeRoles), P.ageColumn,
            P.col("Version", "string", D.kubeletVersion),
            P.col("Internal-IP", "string", D.nodeAddresses, priority: 1),
            P.col("External-IP", "string", D.nodeAddresses, priority: 1),
            P.col("OS-Image", "string", D.osImage, priority: 1),
            P.col("Kernel-Version", "string", D.kernelVersion, priority: 1),
            P.col("Container-Runtime", "string", D.containerRuntimeVersion, priority: 1),
        ],
        row: { o, now in nodeRow(o, now) }
    )

    static func nodeRow(_ o: JSON, _ now: Double) -> TableRow {
        var status: [String] = []
        // Only the Ready condition counts; the last one of that type wins.
        if let ready = o.pArray("status", "conditions").last(where: { $0.pString("type") == "Ready" }) {
            status.append(ready.pString("status") == "True" ? "Ready" : "NotReady")
        }
        if status.isEmpty { status.append("Unknown") }
        if o.pAt("spec", "unschedulable")?.boolValue == true { status.append("SchedulingDisabled") }

        var roles = Set<String>()
        for (k, v) in o.pObject("metadata", "labels").entries {
            if k.hasPrefix("node-role.kubernetes.io/") {
                let role = String(k.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if k == "kubernetes.io/role", let v = v.stringValue, !v.isEmpty {
                roles.insert(v)
            }
        }
        let rolesText = roles.sorted(by: LabelText.less).joined(separator: ",")

        func address(_ type: String) -> String {
            o.pArray("status", "addresses").first { $0.pString("type") == type }?.pString("address") ?? "<none>"
        }
        func orUnknown(_ s: String) -> String { s.isEmpty ? "<unknown>" : s }
        let info = o.pAt("status", "nodeInfo") ?? .obj([:])
        return TableRow(cells: [
            P.name(o), .string(status.joined(separator: ",")), .string(rolesText.isEmpty ? "<none>" : rolesText),
            P.age(o, now), .string(info.pString("kubeletVersion")),
            .string(address("InternalIP")), .string(address("ExternalIP")),
            .string(orUnknown(info.pString("osImage"))), .string(orUnknown(info.pString("kernelVersion"))),
            .string(orUnknown(info.pString("containerRuntimeVersion"))),
        ])
    }

    // MARK: Services and endpoints

    static let services = P.Printer(
        columns: [
            P.nameColumn, P.col("Type", "string", D.serviceType), P.col("Cluster-IP", "string", D.clusterIP),
            P.col("External-IP", "string", D.externalIPs), P.col("Port(s)", "string", D.servicePorts), P.ageColumn,
            P.col("Selector", "string", D.serviceSelector, priority: 1),
        ],
        row: { o, now in
            var clusterIP = o.pString("spec", "clusterIP")
            if clusterIP.isEmpty { clusterIP = o.pArray("spec", "clusterIPs").first?.stringValue ?? "" }
            let ports = o.pArray("spec", "ports").map { p -> String in
                let proto = p.pString("protocol")
                let nodePort = p.pInt("nodePort")
                return nodePort > 0 ? "\(p.pInt("port")):\(nodePort)/\(proto)" : "\(p.pInt("port"))/\(proto)"
            }.joined(separator: ",")
            return TableRow(cells: [
                P.name(o), .string(o.pString("spec", "type")), .string(clusterIP.isEmpty ? "<none>" : clusterIP),
                .string(externalIP(o)), .string(ports.isEmpty ? "<none>" : ports), P.age(o, now),
                .string(LabelText.formatLabels(o.pObject("spec", "selector"))),
            ])
        }
    )

    /// `getServiceExternalIP` with `wide` true (the apiserver always passes true).
    static func externalIP(_ o: JSON) -> String {
        let external = o.pArray("spec", "externalIPs").compactMap(\.stringValue)
        switch o.pString("spec", "type") {
        case "ClusterIP", "NodePort":
            return external.isEmpty ? "<none>" : external.joined(separator: ",")
        case "LoadBalancer":
            var lb: [String] = []
            for ing in o.pArray("status", "loadBalancer", "ingress") {
                let v = !ing.pString("ip").isEmpty ? ing.pString("ip") : ing.pString("hostname")
                if !v.isEmpty && !lb.contains(v) { lb.append(v) }
            }
            if !external.isEmpty { return (lb + external).joined(separator: ",") }
            return lb.isEmpty ? "<pending>" : lb.joined(separator: ",")
        case "ExternalName":
            return o.pString("spec", "externalName")
        default:
            return "<unknown>"
        }
    }

    static let endpoints = P.Printer(
        columns: [P.nameColumn, P.col("Endpoints", "string", D.endpointSubsets), P.ageColumn],
        row: { o, now in TableRow(cells: [P.name(o), .string(formatEndpoints(o)), P.age(o, now)]) }
    )

    /// `formatEndpoints` with all ports: up to three `ip:port` entries, then
    /// `+ N more...`.
    static func formatEndpoints(_ o: JSON) -> String {
        let subsets = o.pArray("subsets")
        if subsets.isEmpty { return "<none>" }
        let maximum = 3
        var list: [String] = []
        var more = false
        var count = 0
        for ss in subsets {
            let addresses = ss.pArray("addresses")
            let ports = ss.pArray("ports")
            if ports.isEmpty {
                count += addresses.count
                for a in addresses {
                    if list.count == maximum {
                        more = true
                        break
                    }
                    list.append(a.pString("ip"))
                }
                continue
            }
            for port in ports {
                count += addresses.count
                for a in addresses {
                    if list.count == maximum {
                        more = true
                        break
                    }
                    let ip = a.pString("ip")
                    let host = ip.contains(":") ? "[\(ip)]" : ip
                    list.append("\(host):\(port.pInt("port"))")
                }
            }
        }
        let joined = list.joined(separator: ",")
        return more ? "\(joined) + \(count - maximum) more..." : joined
    }

    // MARK: Events

    /// `printEvent`. The same printer serves `events.k8s.io` events, whose
    /// fields are read under their `events.k8s.io/v1` names.
    static func events(eventsAPI: Bool) -> P.Printer {
        P.Printer(
            columns: [
                P.col("Last Seen", "string", D.eventLastTimestamp), P.col("Type", "string", D.eventType),
                P.col("Reason", "string", D.eventReason), P.col("Object", "string", D.eventInvolvedObject),
                P.col("Subobject", "string", D.eventFieldPath, priority: 1),
                P.col("Source", "string", D.eventSource, priority: 1), P.col("Message", "string", D.eventMessage),
                P.col("First Seen", "string", D.eventFirstTimestamp, priority: 1),
                P.col("Count", "string", D.eventCount, priority: 1),
                TableColumn(name: "Name", type: "string", format: "name", description: D.name, priority: 1),
            ],
            row: { o, now in eventRow(o, now, eventsAPI: eventsAPI) }
        )
    }

    static func eventRow(_ o: JSON, _ now: Double, eventsAPI: Bool) -> TableRow {
        let f = eventsAPI
            ? (first: "deprecatedFirstTimestamp", last: "deprecatedLastTimestamp", count: "deprecatedCount",
               source: "deprecatedSource", object: "regarding", message: "note")
            : (first: "firstTimestamp", last: "lastTimestamp", count: "count",
               source: "source", object: "involvedObject", message: "message")
        func since(_ key: String...) -> String? {
            guard let t = o.pAt(key)?.stringValue, !t.isEmpty else { return nil }
            return HumanDuration.since(t, now: now)
        }
        let first = since(f.first) ?? HumanDuration.since(o.pAt("eventTime")?.stringValue, now: now)
        var last = since(f.last) ?? first
        var count = o.pInt(f.count)
        if let series = o.pAt("series") {
            last = HumanDuration.since(series.pAt("lastObservedTime")?.stringValue, now: now)
            count = series.pInt("count")
        } else if count == 0 {
            count = 1
        }
        let kind = o.pString(f.object, "kind").lowercased()
        let objName = o.pString(f.object, "name")
        let target = objName.isEmpty ? kind : "\(kind)/\(objName)"
        var component = o.pString(f.source, "component")
        if component.isEmpty { component = o.pString("reportingController") }
        var host = o.pString(f.source, "host")
        if host.isEmpty { host = o.pString("reportingInstance") }
        let source = host.isEmpty ? component : "\(component), \(host)"
        return TableRow(cells: [
            .string(last), .string(o.pString("type")), .string(o.pString("reason")), .string(target),
            .string(o.pString(f.object, "fieldPath")), .string(source), .string(trimSpace(o.pString(f.message))),
            .string(first), .int(count), P.name(o),
        ])
    }

    /// Go's `strings.TrimSpace` for the ASCII and common Unicode spaces.
    static func trimSpace(_ s: String) -> String {
        func isSpace(_ u: Unicode.Scalar) -> Bool { u.properties.isWhitespace }
        var scalars = Substring(s).unicodeScalars
        while let f = scalars.first, isSpace(f) { scalars.removeFirst() }
        while let l = scalars.last, isSpace(l) { scalars.removeLast() }
        return String(scalars)
    }
}
