using System.Globalization;
using System.Net;

namespace Rampart.Core.Policy;

/// <summary>
/// The administrator's operations (what the CLI and web console do), as pure functions from one snapshot to the next.
/// Each resolves names (suggesting the closest on a typo) and refuses what would break the configuration;
/// <see cref="PolicyValidator"/> then checks the whole result before the store saves it.
/// </summary>
public static class PolicyEditor
{
    public static PolicyEdit CreatePolicy(PolicySnapshot snapshot, string name, string description, bool defaultResponseRule) =>
        snapshot.FindPolicy(name) is { } existing
            ? PolicyEdit.Fail($"a policy named '{existing.Name}' already exists")
            : PolicyEdit.Ok(snapshot.WithPolicy(IpsecPolicy.Create(name, description, defaultResponseRule)), $"created policy '{name}'");

    /// <summary>Changes the general and key exchange settings; null arguments keep the current value.</summary>
    public static PolicyEdit SetPolicy(
        PolicySnapshot snapshot,
        string name,
        string? description = null,
        bool? defaultResponseRule = null,
        int? mainModeLifetimeMinutes = null,
        IReadOnlyList<IkeSecurityMethod>? methods = null,
        bool? masterKeyPfs = null,
        int? quickModesPerMainMode = null,
        IReadOnlyList<AuthenticationMethod>? defaultResponseAuthentication = null)
    {
        if (!snapshot.TryResolvePolicy(name, out var policy, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        var keyExchange = policy.KeyExchange with
        {
            MainModeLifetimeMinutes = mainModeLifetimeMinutes ?? policy.KeyExchange.MainModeLifetimeMinutes,
            Methods = methods is { Count: > 0 } ? methods.ToEquatableList() : policy.KeyExchange.Methods,
            MasterKeyPfs = masterKeyPfs ?? policy.KeyExchange.MasterKeyPfs,
            QuickModesPerMainMode = quickModesPerMainMode ?? policy.KeyExchange.QuickModesPerMainMode,
        };
        var updated = policy with
        {
            Description = description ?? policy.Description,
            DefaultResponseRule = defaultResponseRule ?? policy.DefaultResponseRule,
            KeyExchange = keyExchange,
            DefaultResponseAuthentication = defaultResponseAuthentication is { Count: > 0 }
                ? defaultResponseAuthentication.ToEquatableList()
                : policy.DefaultResponseAuthentication,
        };
        return PolicyEdit.Ok(snapshot.WithPolicy(updated), $"updated policy '{policy.Name}'");
    }

    /// <summary>Assigns the policy; exactly one is assigned, so this replaces (and names) the previous one.</summary>
    public static PolicyEdit AssignPolicy(PolicySnapshot snapshot, string name)
    {
        if (!snapshot.TryResolvePolicy(name, out var policy, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        var previous = snapshot.AssignedPolicy;
        if (previous is not null && previous.Name == policy.Name)
        {
            return PolicyEdit.Ok(snapshot, $"policy '{policy.Name}' is already assigned");
        }

        var message = previous is null
            ? $"assigned policy '{policy.Name}'"
            : $"assigned policy '{policy.Name}' (unassigned '{previous.Name}': exactly one policy is assigned at a time)";
        return PolicyEdit.Ok(snapshot with { AssignedPolicyName = policy.Name }, message);
    }

    public static PolicyEdit UnassignPolicy(PolicySnapshot snapshot, string name)
    {
        if (!snapshot.TryResolvePolicy(name, out var policy, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        return snapshot.AssignedPolicy?.Name == policy.Name
            ? PolicyEdit.Ok(snapshot with { AssignedPolicyName = null }, $"unassigned policy '{policy.Name}'; no policy is assigned")
            : PolicyEdit.Fail($"policy '{policy.Name}' is not assigned" + (snapshot.AssignedPolicy is { } assigned ? $" ('{assigned.Name}' is)" : " (no policy is)"));
    }

    public static PolicyEdit DeletePolicy(PolicySnapshot snapshot, string name)
    {
        if (!snapshot.TryResolvePolicy(name, out var policy, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        var errors = PolicyValidator.CheckDeletePolicy(snapshot, policy).ToList();
        return errors.Count > 0 ? PolicyEdit.Fail(errors) : PolicyEdit.Ok(snapshot.WithoutPolicy(policy.Name), $"deleted policy '{policy.Name}'");
    }

    /// <summary>
    /// Creates or replaces the policy and the filter lists and actions it carries, saying which. An object whose
    /// name differs from an existing one only in case replaces it and keeps the existing spelling.
    /// </summary>
    public static PolicyEdit ImportPolicy(PolicySnapshot snapshot, PolicyDocument document)
    {
        document = AdoptExistingSpellings(snapshot, document);
        var lines = new List<string>();
        var result = snapshot;
        foreach (var list in document.FilterLists)
        {
            lines.Add($"{(snapshot.FindFilterList(list.Name) is null ? "created" : "replaced")} filter list '{list.Name}'");
            result = result.WithFilterList(list);
        }

        foreach (var action in document.FilterActions)
        {
            lines.Add($"{(snapshot.FindFilterAction(action.Name) is null ? "created" : "replaced")} filter action '{action.Name}'");
            result = result.WithFilterAction(action);
        }

        lines.Add($"{(snapshot.FindPolicy(document.Policy.Name) is null ? "created" : "replaced")} policy '{document.Policy.Name}'");
        result = result.WithPolicy(document.Policy);
        return PolicyEdit.Ok(result, string.Join(Environment.NewLine, lines));
    }

    private static PolicyDocument AdoptExistingSpellings(PolicySnapshot snapshot, PolicyDocument document)
    {
        string ListName(string name) => snapshot.FindFilterList(name)?.Name ?? name;
        string ActionName(string name) => snapshot.FindFilterAction(name)?.Name ?? name;
        var policy = document.Policy with
        {
            Name = snapshot.FindPolicy(document.Policy.Name)?.Name ?? document.Policy.Name,
            Rules = document.Policy.Rules.Select(r => r with { FilterListName = ListName(r.FilterListName), FilterActionName = ActionName(r.FilterActionName) }).ToEquatableList(),
        };
        return new PolicyDocument(
            policy,
            document.FilterLists.Select(l => l with { Name = ListName(l.Name) }).ToEquatableList(),
            document.FilterActions.Select(a => a with { Name = ActionName(a.Name) }).ToEquatableList());
    }

    public static PolicyEdit CreateFilterList(PolicySnapshot snapshot, string name, string description) =>
        snapshot.FindFilterList(name) is { } existing
            ? PolicyEdit.Fail($"a filter list named '{existing.Name}' already exists")
            : PolicyEdit.Ok(snapshot.WithFilterList(new FilterList(name, description, EquatableList.Empty<Filter>())), $"created filter list '{name}'");

    public static PolicyEdit DeleteFilterList(PolicySnapshot snapshot, string name)
    {
        if (!snapshot.TryResolveFilterList(name, out var list, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        var errors = PolicyValidator.CheckDeleteFilterList(snapshot, list).ToList();
        return errors.Count > 0 ? PolicyEdit.Fail(errors) : PolicyEdit.Ok(snapshot.WithoutFilterList(list.Name), $"deleted filter list '{list.Name}'");
    }

    public static PolicyEdit AddFilter(PolicySnapshot snapshot, string listName, Filter filter)
    {
        if (!snapshot.TryResolveFilterList(listName, out var list, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        var updated = list with { Filters = list.Filters.Append(filter).ToEquatableList() };
        return PolicyEdit.Ok(snapshot.WithFilterList(updated), $"added filter {Number(updated.Filters.Count)} to '{list.Name}': {filter}");
    }

    /// <summary>Deletes the filter at the 1-based position shown by <c>filter list</c>.</summary>
    public static PolicyEdit DeleteFilter(PolicySnapshot snapshot, string listName, int number)
    {
        if (!snapshot.TryResolveFilterList(listName, out var list, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        if (number < 1 || number > list.Filters.Count)
        {
            return PolicyEdit.Fail($"filter list '{list.Name}' has no filter {Number(number)} (it has {Number(list.Filters.Count)})");
        }

        var updated = list with { Filters = list.Filters.Where((_, i) => i != number - 1).ToEquatableList() };
        return PolicyEdit.Ok(snapshot.WithFilterList(updated), $"deleted filter {Number(number)} from '{list.Name}'");
    }

    public static PolicyEdit CreateFilterAction(PolicySnapshot snapshot, FilterAction action) =>
        snapshot.FindFilterAction(action.Name) is { } existing
            ? PolicyEdit.Fail($"a filter action named '{existing.Name}' already exists")
            : PolicyEdit.Ok(snapshot.WithFilterAction(action), $"created filter action '{action.Name}'");

    public static PolicyEdit DeleteFilterAction(PolicySnapshot snapshot, string name)
    {
        if (!snapshot.TryResolveFilterAction(name, out var action, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        var errors = PolicyValidator.CheckDeleteFilterAction(snapshot, action).ToList();
        return errors.Count > 0 ? PolicyEdit.Fail(errors) : PolicyEdit.Ok(snapshot.WithoutFilterAction(action.Name), $"deleted filter action '{action.Name}'");
    }

    /// <summary>Appends a rule; names are stored as the objects spell them.</summary>
    public static PolicyEdit AddRule(
        PolicySnapshot snapshot,
        string policyName,
        string filterListName,
        string filterActionName,
        IReadOnlyList<AuthenticationMethod> authenticationMethods,
        IPAddress? tunnelEndpoint,
        ConnectionType connectionType = ConnectionType.All)
    {
        var errors = new List<string>();
        if (!snapshot.TryResolvePolicy(policyName, out var policy, out var error))
        {
            errors.Add(error);
        }

        if (!snapshot.TryResolveFilterList(filterListName, out var list, out error))
        {
            errors.Add(error);
        }

        if (!snapshot.TryResolveFilterAction(filterActionName, out var action, out error))
        {
            errors.Add(error);
        }

        if (errors.Count > 0)
        {
            return PolicyEdit.Fail(errors);
        }

        var rule = new Rule(list!.Name, action!.Name, authenticationMethods.ToEquatableList(), tunnelEndpoint, connectionType);
        var updated = policy! with { Rules = policy.Rules.Append(rule).ToEquatableList() };
        return PolicyEdit.Ok(snapshot.WithPolicy(updated), $"added rule {Number(updated.Rules.Count)} to '{policy.Name}': {list.Name} -> {action.Name}");
    }

    /// <summary>Deletes the rule at the 1-based position shown by <c>rule list</c>.</summary>
    public static PolicyEdit DeleteRule(PolicySnapshot snapshot, string policyName, int number)
    {
        if (!snapshot.TryResolvePolicy(policyName, out var policy, out var error))
        {
            return PolicyEdit.Fail(error);
        }

        if (number < 1 || number > policy.Rules.Count)
        {
            return PolicyEdit.Fail($"policy '{policy.Name}' has no rule {Number(number)} (it has {Number(policy.Rules.Count)})");
        }

        var updated = policy with { Rules = policy.Rules.Where((_, i) => i != number - 1).ToEquatableList() };
        return PolicyEdit.Ok(snapshot.WithPolicy(updated), $"deleted rule {Number(number)} from '{policy.Name}'");
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
