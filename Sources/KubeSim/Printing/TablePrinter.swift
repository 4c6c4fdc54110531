/// The apiserver's Table conversion as pure functions: for a resource and
/// its objects, the `columnDefinitions` and row cells that kube-apiserver
/// v1.33 would send for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
///
/// - Built-in resources follow `pkg/printers/internalversion/printers.go`.
///   Resources without a printer there (e.g. `customresourcedefinitions`,
///   `apiservices`) get the apiserver's default table: `Name` and
///   `Created At` (type `date`, the RFC 3339 creation time).
/// - Custom resources (pass the CRD version's `additionalPrinterColumns`,
///   an empty array when it has none) follow apiextensions-apiserver's
///   `tableconvertor`: `Name` plus those columns, or `Name`, `Age` by default.
public enum TablePrinter {
    /// Prints `objects` of `group`/`resource` at time `now` (epoch seconds).
    /// `printerColumns` is nil for built-in resources and the CRD version's
    /// `additionalPrinterColumns` array (possibly empty) for custom resources.
    public static func print(
        group: String, resource: String, printerColumns: JSON? = nil, objects: [JSON], now: Double
    ) -> PrintedTable {
        if let printerColumns {
            let crd = CustomResourceTable(printerColumns: printerColumns)
            return PrintedTable(columnDefinitions: crd.columns, rows: objects.map { crd.row($0, now: now) })
        }
        let printer = builtin(group: group, resource: resource)
        return PrintedTable(columnDefinitions: printer.columns, rows: objects.map { printer.row($0, now) })
    }

    /// The column definitions alone (what a Table for an empty list carries).
    public static func columns(group: String, resource: String, printerColumns: JSON? = nil) -> [TableColumn] {
        if let printerColumns { return CustomResourceTable(printerColumns: printerColumns).columns }
        return builtin(group: group, resource: resource).columns
    }

    /// One object's row.
    public static func row(
        group: String, resource: String, printerColumns: JSON? = nil, object: JSON, now: Double
    ) -> TableRow {
        print(group: group, resource: resource, printerColumns: printerColumns, objects: [object], now: now).rows[0]
    }

    /// Whether a built-in resource has its own printer (otherwise it gets the
    /// default `Name`, `Created At` table).
    public static func hasBuiltinPrinter(group: String, resource: String) -> Bool {
        builtinPrinter(group: group, resource: resource) != nil
    }

    // MARK: Registry

    /// A printer: its columns and how to fill one row.
    struct Printer: Sendable {
        var columns: [TableColumn]
        var row: @Sendable (JSON, Double) -> TableRow
    }

    static func builtin(group: String, resource: String) -> Printer {
        builtinPrinter(group: group, resource: resource) ?? defaultPrinter
    }

    static func builtinPrinter(group: String, resource: String) -> Printer? {
        switch (group, resource) {
        case ("", "pods"): return PodPrinter.printer
        case ("", "namespaces"): return CorePrinters.namespaces
        case ("", "nodes"): return CorePrinters.nodes
        case ("", "services"): return CorePrinters.services
        case ("", "endpoints"): return CorePrinters.endpoints
        case ("", "configmaps"): return CorePrinters.configMaps
        case ("", "secrets"): return CorePrinters.secrets
        case ("", "serviceaccounts"): return CorePrinters.serviceAccounts
        case ("", "events"): return CorePrinters.events(eventsAPI: false)
        case ("events.k8s.io", "events"): return CorePrinters.events(eventsAPI: true)
        case ("apps", "deployments"): return WorkloadPrinters.deployments
        case ("apps", "replicasets"): return WorkloadPrinters.replicaSets
        case ("apps", "statefulsets"): return WorkloadPrinters.statefulSets
        case ("apps", "daemonsets"): return WorkloadPrinters.daemonSets
        case ("batch", "jobs"): return WorkloadPrinters.jobs
        case ("batch", "cronjobs"): return WorkloadPrinters.cronJobs
        case ("coordination.k8s.io", "leases"): return OtherPrinters.leases
        case ("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "clusterroles"):
            return OtherPrinters.roles
        case ("rbac.authorization.k8s.io", "rolebindings"): return OtherPrinters.roleBindings(cluster: false)
        case ("rbac.authorization.k8s.io", "clusterrolebindings"): return OtherPrinters.roleBindings(cluster: true)
        case ("networking.k8s.io", "ingresses"): return OtherPrinters.ingresses
        default: return nil
        }
    }

    /// `rest.DefaultTableConvertor`: name and creation time as RFC 3339.
    static let defaultPrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Created At", type: "date", description: PrinterDescriptions.creationTimestamp)],
        row: { obj, _ in TableRow(cells: [.string(obj.pString("metadata", "name")), .string(createdAt(obj))]) }
    )

    // MARK: Shared pieces

    /// The first column of every table.
    static let nameColumn = TableColumn(name: "Name", type: "string", format: "name", description: PrinterDescriptions.name)
    /// The `Age` column of the built-in printers (a string cell).
    static let ageColumn = TableColumn(name: "Age", type: "string", description: PrinterDescriptions.creationTimestamp)

    static func col(_ name: String, _ type: String, _ description: String, priority: Int = 0) -> TableColumn {
        TableColumn(name: name, type: type, description: description, priority: priority)
    }

    /// `translateTimestampSince(obj.CreationTimestamp)`.
    static func age(_ obj: JSON, _ now: Double) -> JSON {
        .string(HumanDuration.since(obj.pAt("metadata", "creationTimestamp")?.stringValue, now: now))
    }

    /// `CreationTimestamp.Time.UTC().Format(time.RFC3339)`.
    static func createdAt(_ obj: JSON) -> String {
        let t = obj.pAt("metadata", "creationTimestamp")?.stringValue.flatMap(Timestamp.parse) ?? HumanDuration.zeroTime
        return Timestamp.format(t)
    }

    static func name(_ obj: JSON) -> JSON { .string(obj.pString("metadata", "name")) }

    /// `layoutContainerCells`: container names and images, comma-separated.
    static func containerCells(_ podSpec: JSON?) -> [JSON] {
        let containers = podSpec?.pArray("containers") ?? []
        return [
            .string(containers.map { $0.pString("name") }.joined(separator: ",")),
            .string(containers.map { $0.pString("image") }.joined(separator: ",")),
        ]
    }
}
