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
