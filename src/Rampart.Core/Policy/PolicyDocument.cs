namespace Rampart.Core.Policy;

/// <summary>One policy with the filter lists and actions its rules use: the self-contained unit of export and import.</summary>
public sealed record PolicyDocument(IpsecPolicy Policy, EquatableList<FilterList> FilterLists, EquatableList<FilterAction> FilterActions)
{
    public const string Format = "rampart-policy/1";

    /// <summary>The policy and exactly the objects its rules reference, from a snapshot.</summary>
    public static PolicyDocument From(PolicySnapshot snapshot, IpsecPolicy policy) => new(
        policy,
        snapshot.FilterLists.Where(l => policy.Rules.Any(r => PolicySnapshot.NameComparer.Equals(r.FilterListName, l.Name))).ToEquatableList(),
        snapshot.FilterActions.Where(a => policy.Rules.Any(r => PolicySnapshot.NameComparer.Equals(r.FilterActionName, a.Name))).ToEquatableList());
}
