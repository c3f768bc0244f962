using System.Net;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.PolicyEngine;

public enum BindingStatus : byte
{
    /// <summary>An outbound SA is installed.</summary>
    Secured,

    /// <summary>IKE is negotiating (an acquire was raised).</summary>
    Negotiating,

    /// <summary>The peer did not answer IKE: traffic flows in clear (monitor: negotiation policy <c>&lt;none&gt;</c>).</summary>
    Soft,

    /// <summary>Negotiation failed: matching packets are dropped until <see cref="BindingInfo.Until"/>.</summary>
    Blocked,
}

/// <summary>One row of the monitor: a policy binding or a selector SA and its state.</summary>
/// <param name="Key">The binding (or <see cref="Binding.ForSelector"/> key).</param>
/// <param name="PolicyName">The assigned policy, empty for a selector SA.</param>
/// <param name="Rule">The policy rule (filter list and filter action names); null for a selector SA.</param>
/// <param name="Selector">The selector of a selector SA; null for a policy binding.</param>
/// <param name="Local">Local address (null in tunnel mode and for selector SAs).</param>
/// <param name="Peer">Peer or tunnel endpoint (null for selector SAs).</param>
/// <param name="Status">Secured, negotiating, soft or blocked.</param>
/// <param name="OutboundSpi">The outbound SA's SPI, if any.</param>
/// <param name="InboundSpis">SPIs of the inbound SAs serving it.</param>
/// <param name="Since">When the soft SA was made or the negotiation started.</param>
/// <param name="Until">End of the block.</param>
public sealed record BindingInfo(
    Binding Key,
    string PolicyName,
    CompiledRule? Rule,
    TrafficSelector? Selector,
    IPAddress? Local,
    IPAddress? Peer,
    BindingStatus Status,
    uint? OutboundSpi,
    IReadOnlyList<uint> InboundSpis,
    DateTimeOffset? Since,
    DateTimeOffset? Until);
