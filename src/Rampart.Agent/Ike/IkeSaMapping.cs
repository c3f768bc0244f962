using Rampart.Core.SecurityAssociations;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>Turns the SA pair quick mode negotiated into the data path's SA specifications.</summary>
public static class IkeSaMapping
{
    /// <summary>Rekey when this share of the hard lifetime (seconds or bytes) has passed, before the SA runs out.</summary>
    private const double SoftShare = 0.9;

    public static SecurityAssociationSpec ToSpec(IpsecSaSpec sa, bool inbound)
    {
        ArgumentNullException.ThrowIfNull(sa);
        var local = inbound ? sa.Destination : sa.Source;
        var remote = inbound ? sa.Source : sa.Destination;
        var tunnel = sa.Mode == IpsecMode.Tunnel;
        var hardBytes = sa.LifetimeKilobytes * 1024;
        return new SecurityAssociationSpec
        {
            Spi = sa.Spi,
            Protocol = sa.Protocol == IpsecProtocol.Esp ? SaProtocol.Esp : SaProtocol.Ah,
            Mode = tunnel ? SaMode.Tunnel : SaMode.Transport,
            Direction = inbound ? SaDirection.Inbound : SaDirection.Outbound,
            LocalAddress = tunnel ? sa.Selector.Local.Network : local.Address,
            RemoteAddress = tunnel ? sa.Selector.Remote.Network : remote.Address,
            TunnelLocal = tunnel ? local.Address : null,
            TunnelRemote = tunnel ? remote.Address : null,
            Encapsulation = sa.UdpEncapsulation ? new UdpEncapsulation((ushort)local.Port, (ushort)remote.Port) : null,
            Cipher = sa.Cipher,
            CipherKey = new KeyMaterial(sa.EncryptionKey),
            Integrity = sa.Integrity,
            IntegrityKey = new KeyMaterial(sa.IntegrityKey),
            Lifetime = new SaLifetime((long)(sa.LifetimeSeconds * SoftShare), sa.LifetimeSeconds, (long)(hardBytes * SoftShare), hardBytes),
        };
    }
}
