namespace Rampart.Core.SecurityAssociations;

/// <summary>
/// ESP in UDP (RFC 3948) for NAT traversal. Ports are the SA's local and remote UDP ports (4500 unless a NAT
/// rewrote the peer's). An SA without encapsulation has a null <see cref="SecurityAssociationSpec.Encapsulation"/>.
/// </summary>
public sealed record UdpEncapsulation(ushort LocalPort = IkePorts.NatTraversal, ushort RemotePort = IkePorts.NatTraversal);
