using System.Diagnostics.CodeAnalysis;

namespace Rampart.Core.Policy;

/// <summary>
/// The whole policy configuration of a host: every policy, filter list and filter action, and which policy is assigned.
/// Names are unique ignoring case. Edits return a new snapshot; the store persists the difference in one transaction.
/// </summary>
public sealed record PolicySnapshot(
    EquatableList<IpsecPolicy> Policies,
    EquatableList<FilterList> FilterLists,
    EquatableList<FilterAction> FilterActions,
    string? AssignedPolicyName)
{
    public static readonly StringComparer NameComparer = StringComparer.OrdinalIgnoreCase;

    public static readonly PolicySnapshot Empty = new(EquatableList.Empty<IpsecPolicy>(), EquatableList.Empty<FilterList>(), EquatableList.Empty<FilterAction>(), null);

    public IpsecPolicy? AssignedPolicy => AssignedPolicyName is null ? null : FindPolicy(AssignedPolicyName);

    public IpsecPolicy? FindPolicy(string name) => Policies.FirstOrDefault(p => NameComparer.Equals(p.Name, name));

    public FilterList? FindFilterList(string name) => FilterLists.FirstOrDefault(l => NameComparer.Equals(l.Name, name));

    public FilterAction? FindFilterAction(string name) => FilterActions.FirstOrDefault(a => NameComparer.Equals(a.Name, name));

    /// <summary>Finds a policy by name, or by the short names Client, Server and Secure Server; suggests the closest name otherwise.</summary>
    public bool TryResolvePolicy(string name, [NotNullWhen(true)] out IpsecPolicy? policy, out string error)
    {
        var found = FindPolicy(name)
            ?? (BuiltInPolicies.ShortNames.TryGetValue(name.Trim(), out var fullName) ? FindPolicy(fullName) : null);
        policy = found;
        error = found is null ? NameSuggestion.NotFound("policy", name, Policies.Select(p => p.Name)) : "";
        return found is not null;
    }

    public bool TryResolveFilterList(string name, [NotNullWhen(true)] out FilterList? list, out string error)
    {
        var found = FindFilterList(name);
        list = found;
        error = found is null ? NameSuggestion.NotFound("filter list", name, FilterLists.Select(l => l.Name)) : "";
        return found is not null;
    }

    public bool TryResolveFilterAction(string name, [NotNullWhen(true)] out FilterAction? action, out string error)
    {
        var found = FindFilterAction(name);
        action = found;
        error = found is null ? NameSuggestion.NotFound("filter action", name, FilterActions.Select(a => a.Name)) : "";
        return found is not null;
    }

    /// <summary>Adds the policy, or replaces the one with the same name.</summary>
    public PolicySnapshot WithPolicy(IpsecPolicy policy) => this with { Policies = Upsert(Policies, policy, policy.Name, p => p.Name) };

    public PolicySnapshot WithFilterList(FilterList list) => this with { FilterLists = Upsert(FilterLists, list, list.Name, l => l.Name) };

    public PolicySnapshot WithFilterAction(FilterAction action) => this with { FilterActions = Upsert(FilterActions, action, action.Name, a => a.Name) };

    public PolicySnapshot WithoutPolicy(string name) => this with { Policies = Policies.Where(p => !NameComparer.Equals(p.Name, name)).ToEquatableList() };

    public PolicySnapshot WithoutFilterList(string name) => this with { FilterLists = FilterLists.Where(l => !NameComparer.Equals(l.Name, name)).ToEquatableList() };

    public PolicySnapshot WithoutFilterAction(string name) => this with { FilterActions = FilterActions.Where(a => !NameComparer.Equals(a.Name, name)).ToEquatableList() };

    /// <summary>The policies and rule numbers (1-based) whose rules use the filter list.</summary>
    public IEnumerable<(IpsecPolicy Policy, int RuleNumber)> RulesUsingFilterList(string name) =>
        Policies.SelectMany(p => p.Rules.Select((r, i) => (p, r, i)))
            .Where(x => NameComparer.Equals(x.r.FilterListName, name))
            .Select(x => (x.p, x.i + 1));

    public IEnumerable<(IpsecPolicy Policy, int RuleNumber)> RulesUsingFilterAction(string name) =>
        Policies.SelectMany(p => p.Rules.Select((r, i) => (p, r, i)))
            .Where(x => NameComparer.Equals(x.r.FilterActionName, name))
            .Select(x => (x.p, x.i + 1));

    private static EquatableList<T> Upsert<T>(EquatableList<T> items, T item, string name, Func<T, string> nameOf)
    {
        var replaced = false;
        var result = new List<T>(items.Count + 1);
        foreach (var existing in items)
        {
            if (NameComparer.Equals(nameOf(existing), name))
            {
                result.Add(item);
                replaced = true;
            }
            else
            {
                result.Add(existing);
            }
        }

        if (!replaced)
        {
            result.Add(item);
        }

        return result.ToEquatableList();
    }
}
