using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

public sealed class KdcEndpointTests
{
    [Theory]
    [InlineData("198.51.100.88", "198.51.100.88:88")]
    [InlineData("198.51.100.88:750", "198.51.100.88:750")]
    [InlineData("2001:db8::88", "[2001:db8::88]:88")]
    [InlineData("[2001:db8::88]", "[2001:db8::88]:88")]
    [InlineData("[2001:db8::88]:750", "[2001:db8::88]:750")]
    public void Addresses_ParseToTheKrb5ConfForm(string text, string expected)
    {
        Assert.True(KdcEndpoint.TryParse(text, out var kdc, out _));
        Assert.Equal(expected, kdc.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("kdc.rampart.test")]
    [InlineData("198.51.100.88:0")]
    [InlineData("198.51.100.88:65536")]
    [InlineData("198.51.100.88:88\n    kdc = 203.0.113.1")]
    [InlineData("198.51.100")]
    [InlineData("[2001:db8::88")]
    [InlineData("[2001:db8::88]x")]
    [InlineData("fe80::1%eth0")]
    [InlineData("198.51.100.88: 88")]
    public void NonAddresses_AreRefused(string text)
    {
        Assert.False(KdcEndpoint.TryParse(text, out _, out var error));
        Assert.StartsWith("invalid KDC", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }
}
