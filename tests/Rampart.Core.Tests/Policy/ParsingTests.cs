using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Tests.Policy;

public class ParsingTests
{
    [Theory]
    [InlineData("esp:aes-gcm-128", SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, 900, 2_097_152L)]
    [InlineData("esp:aes-cbc-256/sha256", SaProtocol.Esp, CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, 900, 2_097_152L)]
    [InlineData("esp:null/sha256", SaProtocol.Esp, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, 900, 2_097_152L)]
    [InlineData("ESP:3DES/SHA1@3600", SaProtocol.Esp, CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, 3600, 2_097_152L)]
    [InlineData("esp:aes-cbc-256/sha256@3600s@100000kb", SaProtocol.Esp, CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, 3600, 100_000L)]
    [InlineData("esp:chacha20-poly1305@50000kb", SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None, 900, 50_000L)]
    public void SecurityMethod_CustomSyntax_Parses(string text, SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, int seconds, long kilobytes)
    {
        Assert.True(SecurityMethod.TryParse(text, out var methods, out var error), error);
        Assert.Equal([new SecurityMethod(protocol, cipher, integrity, seconds, kilobytes)], methods);
    }

    [Fact]
    public void SecurityMethod_Ah_HasNoCipher()
    {
        Assert.True(SecurityMethod.TryParse("ah:sha384@600s", out var methods, out _));
        Assert.Equal([new SecurityMethod(SaProtocol.Ah, null, IntegrityAlgorithm.Sha384, 600)], methods);
    }

    [Theory]
    [InlineData("high")]
    [InlineData("medium")]
    [InlineData("esp:aes-cbc-256/sha256@3600s@100000kb")]
    [InlineData("esp:des/md5")]
    [InlineData("ah:sha512@120s")]
    public void SecurityMethod_ToString_ParsesBackToEqual(string text)
    {
        Assert.True(SecurityMethod.TryParse(text, out var methods, out _));
        foreach (var method in methods)
        {
            Assert.True(SecurityMethod.TryParse(method.ToString(), out var again, out _));
            Assert.Equal([method], again);
        }
    }

    [Theory]
    [InlineData("esp:aes-gcm-129", "unknown cipher 'aes-gcm-129'; expected one of: 3des, aes-cbc-128")]
    [InlineData("esp:aes-cbc-128/sha257", "unknown integrity algorithm 'sha257'; expected one of: md5, sha1, sha256")]
    [InlineData("gre:aes-gcm-128", "unknown IPsec protocol 'gre'; expected one of: esp, ah")]
    [InlineData("low", "expected high, medium or PROTOCOL:ALGORITHMS")]
    [InlineData("ah:sha256/md5", "AH takes one integrity algorithm")]
    [InlineData("esp:aes-gcm-128@0", "invalid lifetime '@0'")]
    [InlineData("esp:aes-gcm-128@10mb", "invalid lifetime '@10mb'")]
    public void SecurityMethod_BadText_ListsAcceptedSpellings(string text, string expected)
    {
        Assert.False(SecurityMethod.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void SecurityMethod_LegacyAlgorithms_AreMarked()
    {
        Assert.True(SecurityMethod.TryParse("esp:3des/sha1", out var legacy, out _));
        Assert.True(legacy[0].IsLegacy);
        Assert.False(SecurityMethod.High[1].IsLegacy);
    }

    [Theory]
    [InlineData("aes-cbc-256/sha384/ecp384", CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha384, DhGroup.Ecp384, false)]
    [InlineData("3des/sha1/modp1024", CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, DhGroup.Modp1024, true)]
    [InlineData("aes-cbc-128/sha256/14", CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, false)]
    [InlineData("des/md5/1", CipherAlgorithm.Des, IntegrityAlgorithm.Md5, DhGroup.Modp768, true)]
    public void IkeSecurityMethod_Parses(string text, CipherAlgorithm cipher, IntegrityAlgorithm hash, DhGroup group, bool legacy)
    {
        Assert.True(IkeSecurityMethod.TryParse(text, out var method, out var error), error);
        Assert.Equal(new IkeSecurityMethod(cipher, hash, group), method);
        Assert.Equal(legacy, method.IsLegacy);
    }

    [Theory]
    [InlineData("aes-cbc-256/sha256", "expected CIPHER/HASH/GROUP")]
    [InlineData("aes-cbc-256/sha256/modp9999", "unknown DH group 'modp9999'; expected one of: curve25519, ecp256")]
    public void IkeSecurityMethod_BadText_Explains(string text, string expected)
    {
        Assert.False(IkeSecurityMethod.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AddressSpec_ParsesEveryForm()
    {
        Assert.Equal(AddressSpec.Me, Parse("ME"));
        Assert.Equal(AddressSpec.Any, Parse("any"));
        Assert.Equal(new AddressSpec.Host(IPAddress.Parse("192.0.2.2")), Parse("192.0.2.2"));
        Assert.Equal(new AddressSpec.Host(IPAddress.Parse("2001:db8::1")), Parse("2001:db8::1"));
        Assert.Equal(new AddressSpec.Subnet(IPNetwork.Parse("198.51.100.0/24")), Parse("198.51.100.0/24"));
        Assert.Equal(new AddressSpec.Subnet(IPNetwork.Parse("2001:db8::/32")), Parse("2001:db8::/32"));
        Assert.Equal(new AddressSpec.DnsName("partner.example.com"), Parse("Partner.Example.com"));
    }

    [Theory]
    [InlineData("192.0.2.1/24", "invalid subnet")]
    [InlineData("192.0.2", "invalid address")]
    [InlineData("bad_name!", "invalid address")]
    [InlineData("-leading.example", "invalid address")]
    public void AddressSpec_BadText_Explains(string text, string expected)
    {
        Assert.False(AddressSpec.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("me", "any", true)]
    [InlineData("me", "me", true)]
    [InlineData("me", "192.0.2.2", false)]
    [InlineData("192.0.2.2", "192.0.2.0/24", true)]
    [InlineData("192.0.2.2", "198.51.100.0/24", false)]
    [InlineData("192.0.2.0/25", "192.0.2.0/24", true)]
    [InlineData("a.example", "a.example", true)]
    [InlineData("a.example", "192.0.2.2", false)]
    public void AddressSpec_Overlaps(string a, string b, bool expected)
    {
        Assert.Equal(expected, Parse(a).Overlaps(Parse(b)));
        Assert.Equal(expected, Parse(b).Overlaps(Parse(a)));
    }

    [Theory]
    [InlineData("any", null)]
    [InlineData("icmp", (byte)1)]
    [InlineData("TCP", (byte)6)]
    [InlineData("udp", (byte)17)]
    [InlineData("50", (byte)50)]
    [InlineData("0", (byte)0)]
    public void Protocol_Parses(string text, byte? expected)
    {
        Assert.True(Filter.TryParseProtocol(text, out var protocol, out _));
        Assert.Equal(expected, protocol);
    }

    [Theory]
    [InlineData("256")]
    [InlineData("sctp")]
    [InlineData("")]
    public void Protocol_BadText_Fails(string text)
    {
        Assert.False(Filter.TryParseProtocol(text, out _, out var error));
        Assert.Contains("expected any, icmp, tcp, udp or a number 0-255", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthenticationMethod_ParsesAndMasksTheKey()
    {
        Assert.True(AuthenticationMethod.TryParse("kerberos", out var kerberos, out _));
        Assert.Equal(AuthenticationMethod.Kerberos, kerberos);
        Assert.True(AuthenticationMethod.TryParse("psk:ABC123", out var psk, out _));
        Assert.Equal("ABC123", Assert.IsType<AuthenticationMethod.PreSharedKey>(psk).Secret);
        Assert.Equal("psk:********", psk.ToString());
        Assert.DoesNotContain("ABC123", EquatableList.Of(psk).ToString(), StringComparison.Ordinal);
        Assert.True(AuthenticationMethod.TryParse("cert:Rampart Test CA", out var cert, out _));
        Assert.Equal(new AuthenticationMethod.Certificate("Rampart Test CA"), cert);
        Assert.False(AuthenticationMethod.TryParse("password:ABC123", out _, out var error));
        Assert.DoesNotContain("ABC123", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthenticationMethod_CertWithIkeEku_RequiresTheEkuAndRoundTrips()
    {
        Assert.True(AuthenticationMethod.TryParse("cert:Rampart Test CA:ike-eku", out var method, out _));
        var cert = Assert.IsType<AuthenticationMethod.Certificate>(method);
        Assert.Equal("Rampart Test CA", cert.CaName);
        Assert.True(cert.RequireIkeEku);
        Assert.Equal("cert:Rampart Test CA:ike-eku", cert.ToString());
        Assert.True(AuthenticationMethod.TryParse("cert:Rampart Test CA", out var plain, out _));
        Assert.False(Assert.IsType<AuthenticationMethod.Certificate>(plain).RequireIkeEku);
        Assert.NotEqual(plain, method);
    }

    [Fact]
    public void PreSharedKey_EqualityComparesTheKey()
    {
        Assert.Equal(new AuthenticationMethod.PreSharedKey("ABC123"), new AuthenticationMethod.PreSharedKey("ABC123"));
        Assert.NotEqual(new AuthenticationMethod.PreSharedKey("ABC123"), new AuthenticationMethod.PreSharedKey("ABC124"));
        Assert.NotEqual(new AuthenticationMethod.PreSharedKey("ABC123"), new AuthenticationMethod.PreSharedKey("ABC1234"));
    }

    [Theory]
    [InlineData("Partnr", "Partner")]
    [InlineData("partner filter", "Partner Filter")]
    [InlineData("Secure Srever", "Secure Server (Require Security)")]
    public void NameSuggestion_SuggestsClosest(string typo, string expected)
    {
        string[] names = ["Partner", "Partner Filter", "Secure Server (Require Security)", "Server (Request Security)"];
        Assert.Equal(expected, NameSuggestion.Closest(typo, names));
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Levenshtein_Distance(string a, string b, int expected) => Assert.Equal(expected, NameSuggestion.Distance(a, b));

    private static AddressSpec Parse(string text)
    {
        Assert.True(AddressSpec.TryParse(text, out var spec, out var error), error);
        return spec;
    }
}
