/// Turns `labelSelector` and `fieldSelector` query parameters into an
/// `ObjectFilter`, with the 400 errors kube-apiserver gives for bad ones.
enum FilterBuilder {
    static func make(_ rt: ResourceType, labelSelector: String, fieldSelector: String) throws(APIError) -> ObjectFilter {
        let labels: LabelSelector
        do { labels = try LabelSelector.parse(labelSelector) } catch { throw APIError.badRequest(error.message) }
        let fields: FieldSelector
        do {
            fields = try FieldSelector.parse(fieldSelector)
            try fields.validate(group: rt.group, resource: rt.plural, customResource: rt.isCustom)
        } catch {
            throw APIError.badRequest(error.message)
        }
        if labels.isEmpty && fields.isEmpty { return .everything }
        let group = rt.group, resource = rt.plural
        return ObjectFilter { o in
            (labels.isEmpty || labels.matches(object: o)) && (fields.isEmpty || fields.matches(object: o, group: group, resource: resource))
        }
    }
}
