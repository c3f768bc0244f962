using System.Security.Cryptography;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>Turns the SA pair quick mode negotiated into the data path's SA specifications.</summary>
public static class IkeSaMapping
{
    /// <summary>Rekey when this share of the hard lifetime (seconds or bytes) has passed, before the SA runs out.</summary>
    private const double SoftShare = 0.9;

    /// <summary>
    /// The data path's spec for one direction. It takes the keys: <paramref name="sa"/>'s key arrays are zeroed, and the
    /// spec's own copies are zeroed when its SA ends (or by <see cref="SecurityAssociationSpec.ZeroKeys"/> if never installed).
    /// </summary>
    public static SecurityAssociationSpec ToSpec(IpsecSaSpec sa, bool inbound)
    {
        ArgumentNullException.ThrowIfNull(sa);
        var local = inbound ? sa.Destination : sa.Source;
        var remote = inbound ? sa.Source : sa.Destination;
        var tunnel = sa.Mode == SaMode.Tunnel;
        // Saturating: a byte count past long.MaxValue is no limit in practice, and must not wrap negative.
        // 0 s would mean no time limit: the engine never negotiates it, and this keeps it so.
        var seconds = Math.Max(sa.LifetimeSeconds, 1);
        var hardBytes = sa.LifetimeKilobytes > long.MaxValue / 1024 ? long.MaxValue : sa.LifetimeKilobytes * 1024;
        var spec = new SecurityAssociationSpec
        {
            Spi = sa.Spi,
            Protocol = sa.Protocol,
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
            Lifetime = new SaLifetime((long)(seconds * SoftShare), seconds, (long)(hardBytes * SoftShare), hardBytes),
        };
        CryptographicOperations.ZeroMemory(sa.EncryptionKey);
        CryptographicOperations.ZeroMemory(sa.IntegrityKey);
        return spec;
    }
}
