using System.Net;
using Rampart.Core.Filtering;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// "A packet matched a Negotiate filter and has no SA": the agent's binding manager starts IKE for <see cref="Binding"/>
/// (after <see cref="DataPathEngine.Reclassify"/> when the policy changed since) and answers with <see cref="DataPathEngine.InstallOutbound(Binding, Rampart.Core.SecurityAssociations.SecurityAssociationSpec, out SecurityAssociation?)"/>,
/// <see cref="DataPathEngine.MarkSoft"/> or <see cref="DataPathEngine.MarkNegotiationFailed"/>.
/// </summary>
/// <param name="Binding">The SA binding the negotiation is for; echo it back when installing.</param>
/// <param name="Policy">The policy the packet was classified under (an acquire handled after a policy change is classified again under the new one).</param>
/// <param name="Rule">The rule whose Negotiate filter matched.</param>
/// <param name="Filter">The filter that matched (the mirror half for a reply).</param>
/// <param name="Flow">The packet that triggered it.</param>
/// <param name="LocalAddress">This host's address in the packet.</param>
/// <param name="PeerAddress">Whom to negotiate with: the packet's destination, or the rule's tunnel endpoint.</param>
/// <param name="RaisedAt">When the engine raised it.</param>
public sealed record Acquire(
    Binding Binding,
    CompiledPolicy Policy,
    CompiledRule Rule,
    PacketFilter Filter,
    FlowKey Flow,
    IPAddress LocalAddress,
    IPAddress PeerAddress,
    DateTimeOffset RaisedAt);
