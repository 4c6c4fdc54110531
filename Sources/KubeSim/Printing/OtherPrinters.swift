/// The printers of leases, RBAC objects and ingresses.
enum OtherPrinters {
    typealias P = TablePrinter
    typealias D = PrinterDescriptions

    static let leases = P.Printer(
        columns: [P.nameColumn, P.col("Holder", "string", D.leaseHolder), P.ageColumn],
        row: { o, now in TableRow(cells: [P.name(o), .string(o.pString("spec", "holderIdentity")), P.age(o, now)]) }
    )

    /// Roles and cluster roles: name and the creation time as RFC 3339.
    static let roles = P.Printer(
        columns: [P.nameColumn, P.col("Created At", "date", D.creationTimestamp)],
        row: { o, _ in TableRow(cells: [P.name(o), .string(P.createdAt(o))]) }
    )

    static func roleBindings(cluster: Bool) -> P.Printer {
        let kind = cluster ? "clusterRoleBinding" : "roleBinding"
        return P.Printer(
            columns: [
                P.nameColumn,
                P.col("Role", "string", cluster ? D.clusterRoleBindingRoleRef : D.roleBindingRoleRef), P.ageColumn,
                P.col("Users", "string", "Users in the \(kind)", priority: 1),
                P.col("Groups", "string", "Groups in the \(kind)", priority: 1),
                P.col("ServiceAccounts", "string", "ServiceAccounts in the \(kind)", priority: 1),
            ],
            row: { o, now in
                var users: [String] = []
                var groups: [String] = []
                var sas: [String] = []
                for s in o.pArray("subjects") {
                    switch s.pString("kind") {
                    case "ServiceAccount": sas.append("\(s.pString("namespace")):\(s.pString("name"))")
                    case "User": users.append(s.pString("name"))
                    case "Group": groups.append(s.pString("name"))
                    default: break
                    }
                }
                let role = "\(o.pString("roleRef", "kind"))/\(o.pString("roleRef", "name"))"
                return TableRow(cells: [
                    P.name(o), .string(role), P.age(o, now), .string(users.joined(separator: ", ")),
                    .string(groups.joined(separator: ", ")), .string(sas.joined(separator: ", ")),
                ])
            }
        )
    }

    static let ingresses = P.Printer(
        columns: [
            P.nameColumn, P.col("Class", "string", D.ingressClass), P.col("Hosts", "string", D.ingressHosts),
            P.col("Address", "string", D.ingressAddress), P.col("Ports", "string", D.ingressPorts), P.ageColumn,
        ],
        row: { o, now in
            let rules = o.pArray("spec", "rules")
            var hosts: [String] = []
            var more = false
            for r in rules {
                if hosts.count == 3 { more = true }
                let h = r.pString("host")
                if !more && !h.isEmpty { hosts.append(h) }
            }
            var hostText = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
            if !hosts.isEmpty && more { hostText += " + \(rules.count - 3) more..." }
            var address: [String] = []
            for ing in o.pArray("status", "loadBalancer", "ingress") {
                let v = !ing.pString("ip").isEmpty ? ing.pString("ip") : ing.pString("hostname")
                if !v.isEmpty && !address.contains(v) { address.append(v) }
            }
            let ports = o.pArray("spec", "tls").isEmpty ? "80" : "80, 443"
            return TableRow(cells: [
                P.name(o), .string(o.pAt("spec", "ingressClassName")?.stringValue ?? "<none>"), .string(hostText),
                .string(address.joined(separator: ",")), .string(ports), P.age(o, now),
            ])
        }
    )
}
