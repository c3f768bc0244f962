using System.Net;

namespace Rampart.Core.Filtering;

/// <summary>
/// The assigned policy as the data path runs it: the filter table plus, per rule, what its filter action says.
/// Built by the policy agent whenever the assignment or the policy changes, then swapped in atomically.
/// </summary>
public sealed record CompiledPolicy(string PolicyName, FilterTable Filters, IReadOnlyList<CompiledRule> Rules, bool DefaultResponse)
{
    /// <summary>No policy assigned: nothing is filtered or secured.</summary>
    public static CompiledPolicy None { get; } = new("", FilterTable.Empty, [], DefaultResponse: false);

    public bool IsAssigned => PolicyName.Length > 0;

    /// <summary>DNS names that did not resolve when the policy was compiled; the agent retries them.</summary>
    public IReadOnlyList<UnresolvedName> UnresolvedNames { get; init; } = [];
}

/// <summary>A DNS name of a filter that did not resolve, and what that does to the traffic meant for it.</summary>
/// <param name="Name">The name.</param>
/// <param name="FilterList">The filter list holding the filter.</param>
/// <param name="FilterNumber">The filter's number, as <c>rampart filter list</c> shows it.</param>
/// <param name="FailsClosed">The filter blocks or negotiates: traffic that may be meant for the name is blocked meanwhile.</param>
public sealed record UnresolvedName(string Name, string FilterList, int FilterNumber, bool FailsClosed)
{
    public override string ToString() => FailsClosed
        ? $"DNS name '{Name}' (filter {FilterNumber} of '{FilterList}') did not resolve: traffic that may be meant for it is blocked, never sent in clear, until it resolves"
        : $"DNS name '{Name}' (filter {FilterNumber} of '{FilterList}') did not resolve: the filter matches nothing until it resolves";
}

/// <summary>
/// One rule of the assigned policy, indexed by <see cref="PacketFilter.RuleIndex"/>.
/// </summary>
/// <param name="RuleIndex">Position of the rule in the policy.</param>
/// <param name="Verdict">Permit, Block or Negotiate, from the rule's filter action.</param>
/// <param name="AcceptUnsecured">"Accept unsecured communication, but always respond using IPsec": clear inbound packets are let in.</param>
/// <param name="AllowFallbackToClear">"Allow unsecured communication with non-IPsec-aware computers": when the peer does not answer IKE, talk in clear (a soft SA).</param>
/// <param name="TunnelEndpoint">The peer's tunnel endpoint; null for transport mode.</param>
/// <param name="FilterListName">The rule's filter list, for the monitor and audit.</param>
/// <param name="FilterActionName">The rule's filter action, for the monitor and audit.</param>
public sealed record CompiledRule(
    int RuleIndex,
    FilterVerdict Verdict,
    bool AcceptUnsecured,
    bool AllowFallbackToClear,
    IPAddress? TunnelEndpoint,
    string FilterListName,
    string FilterActionName);
