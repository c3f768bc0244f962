using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

public sealed class KerberosNamesTests
{
    [Theory]
    [InlineData("RAMPART.TEST")]
    [InlineData("EXAMPLE-1.CORP_2.TEST")]
    [InlineData("R")]
    public void Realm_PlainUpperCaseLabels_Parse(string text)
    {
        Assert.True(KerberosNames.TryParseRealm(text, out var realm, out _));
        Assert.Equal(text, realm);
    }

    [Theory]
    [InlineData("")]
    [InlineData("rampart.test")]
    [InlineData("RAMPART..TEST")]
    [InlineData(".RAMPART")]
    [InlineData("RAMPART TEST")]
    [InlineData("R = {\n kdc = 203.0.113.9\n}")]
    [InlineData("RAMPART.TEST}")]
    [InlineData("RAMP\"ART")]
    public void Realm_Hostile_IsRefused_WithAPrintableMessage(string text)
    {
        Assert.False(KerberosNames.TryParseRealm(text, out _, out var error));
        Assert.DoesNotContain('\n', error);
        Assert.Contains("realm", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b.rampart.test", "b.rampart.test")]
    [InlineData("B.Rampart.TEST.", "b.rampart.test")]
    [InlineData("host-1", "host-1")]
    public void Host_DnsNames_ParseLowerCase(string text, string expected)
    {
        Assert.True(KerberosNames.TryParseHost(text, out var host, out _));
        Assert.Equal(expected, host);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-a.test")]
    [InlineData("a-.test")]
    [InlineData("a..test")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a@b")]
    [InlineData("a\nb")]
    [InlineData("a_b")]
    public void Host_Hostile_IsRefused(string text) => Assert.False(KerberosNames.TryParseHost(text, out _, out _));

    [Fact]
    public void Host_ALabelLongerThan63_IsRefused() => Assert.False(KerberosNames.TryParseHost(new string('a', 64) + ".test", out _, out _));

    [Fact]
    public void Principal_HostNameAtRealm_Parses()
    {
        Assert.True(KerberosNames.TryParseHostPrincipal("host/a.rampart.test@RAMPART.TEST", "RAMPART.TEST", out var principal, out _));
        Assert.Equal("a.rampart.test", principal.Host);
        Assert.Equal("RAMPART.TEST", principal.Realm);
        Assert.Equal("host/a.rampart.test", principal.TargetName);
        Assert.Equal("host/a.rampart.test@RAMPART.TEST", principal.ToString());
    }

    [Theory]
    [InlineData("host/a.rampart.test", "expected host/NAME@REALM")]
    [InlineData("HTTP/a.rampart.test@RAMPART.TEST", "expected host/NAME@REALM")]
    [InlineData("host/a.rampart.test@OTHER.TEST", "is not in realm RAMPART.TEST")]
    [InlineData("host/A.rampart.test@RAMPART.TEST", "lower case")]
    [InlineData("host/a@b@RAMPART.TEST", "expected host/NAME@REALM")]
    [InlineData("host/a.rampart.test@rampart.test", "invalid realm")]
    [InlineData("host/a\n[realms]@RAMPART.TEST", "invalid host name 'a?[realms]'")]
    public void Principal_Wrong_IsRefused_WithTheReason(string text, string reason)
    {
        Assert.False(KerberosNames.TryParseHostPrincipal(text, "RAMPART.TEST", out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }
}
