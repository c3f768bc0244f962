using System.Text.Json;
using Rampart.Core.Policy;

namespace Rampart.Cli;

/// <summary>
/// Reads the agent's <c>policy.view</c> answer (every policy, filter list and filter action, pre-shared keys withheld)
/// back into a snapshot, so <c>policy list/show</c> print the same for a control group member as for root.
/// </summary>
internal static class PolicyViewReader
{
    public static PolicySnapshot Read(JsonElement view)
    {
        var policies = view.GetProperty("policies").EnumerateArray().Select(e => Parse<IpsecPolicy>(e, PolicyJsonReader.TryReadPolicy));
        var lists = view.GetProperty("filterLists").EnumerateArray().Select(e => Parse<FilterList>(e, PolicyJsonReader.TryReadFilterList));
        var actions = view.GetProperty("filterActions").EnumerateArray().Select(e => Parse<FilterAction>(e, PolicyJsonReader.TryReadFilterAction));
        var assigned = view.TryGetProperty("assigned", out var name) ? name.GetString() : null;
        return new PolicySnapshot(policies.ToEquatableList(), lists.ToEquatableList(), actions.ToEquatableList(), assigned);
    }

    private delegate bool TryRead<T>(string json, out T value, out string error);

    private static T Parse<T>(JsonElement element, TryRead<T> read) =>
        read(element.GetRawText(), out var value, out var error) ? value : throw new InvalidDataException($"the agent sent a policy view this CLI cannot read: {error}");
}
