using System.Net;
using Rampart.Agent.Ike;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;

namespace Rampart.Agent.Tests.Ike;

public class IkeSaMappingTests
{
    [Fact]
    public void ToSpec_HugeKilobytes_SaturatesInsteadOfOverflowing()
    {
        var spec = IkeSaMapping.ToSpec(Negotiated(lifetimeKilobytes: long.MaxValue), inbound: true);

        Assert.Equal(long.MaxValue, spec.Lifetime.HardBytes);
        Assert.InRange(spec.Lifetime.SoftBytes, 1, long.MaxValue);
        Assert.True(spec.IsValid(out var error), error);
    }

    [Fact]
    public void ToSpec_ZeroSeconds_IsNeverAnSaWithoutTimeLimit()
    {
        var spec = IkeSaMapping.ToSpec(Negotiated(lifetimeSeconds: 0), inbound: false);

        Assert.Equal(1, spec.Lifetime.HardSeconds);
    }

    [Fact]
    public void ToSpec_TakesTheKeys_ZeroingTheNegotiatedCopies()
    {
        var negotiated = Negotiated();
        var key = negotiated.EncryptionKey.ToArray();

        var spec = IkeSaMapping.ToSpec(negotiated, inbound: true);

        Assert.Equal(key, spec.CipherKey.Span.ToArray());
        Assert.All(negotiated.EncryptionKey, b => Assert.Equal(0, b));
    }

    private static IpsecSaSpec Negotiated(int lifetimeSeconds = 900, long lifetimeKilobytes = 100_000)
    {
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        return new IpsecSaSpec
        {
            Spi = 0x1000_0001,
            Protocol = SaProtocol.Esp,
            Cipher = CipherAlgorithm.AesGcm128,
            Integrity = IntegrityAlgorithm.None,
            EncryptionKey = [.. Enumerable.Range(1, 20).Select(i => (byte)i)],
            IntegrityKey = [],
            Mode = SaMode.Transport,
            UdpEncapsulation = false,
            Source = new IPEndPoint(b, 500),
            Destination = new IPEndPoint(a, 500),
            Selector = new ProxyIdentities(ProxyIdentity.Host(a), ProxyIdentity.Host(b)),
            LifetimeSeconds = lifetimeSeconds,
            LifetimeKilobytes = lifetimeKilobytes,
        };
    }
}
