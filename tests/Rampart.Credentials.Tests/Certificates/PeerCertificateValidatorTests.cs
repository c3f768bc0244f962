using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Credentials.Certificates;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>
/// The peer's certificate checks against certificates from the real test CA and CRLs served by a real HTTP server on
/// loopback: the chain must end at a root the rule names, be valid now, and (at CRL levels 1 and 2) not be revoked.
/// </summary>
public sealed class PeerCertificateValidatorTests : IAsyncDisposable
{
    private readonly LoopbackHttpServer _http = new();
    private readonly TestPki _pki;
    private readonly CrlCache _crls;
    private readonly List<TrustedAuthority> _trusted = [];
    private CrlCheckLevel _level = CrlCheckLevel.None;

    public PeerCertificateValidatorTests()
    {
        _pki = new TestPki(intermediateCrl: _http.Url("root.crl"));
        _crls = new CrlCache(_pki.Clock);
        _trusted.Add(TestPki.Trusted(_pki.Root));
        _trusted.Add(TestPki.Trusted(_pki.Other));
    }

    private PeerCertificateValidator Validator => new(() => new CertificateTrust(_trusted, _level), _crls, _pki.Clock);

    [Fact]
    public async Task Validate_HostUnderIntermediate_WithTheIntermediateSent_IsValidUnderTheRoot()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        var result = await Validate(host, [_pki.Intermediate.Certificate], "Test Root");

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("Test Root", result.CaName);
    }

    [Fact]
    public async Task Validate_WithoutTheIntermediate_IsUntrusted()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.Untrusted, result.Kind);
    }

    [Fact]
    public async Task Validate_CertificateFromACaTheRuleDoesNotName_IsUntrusted_EvenThoughThatCaIsTrusted()
    {
        var host = _pki.Other.Issue(TestPki.Host("other.example"), _pki.Clock.GetUtcNow());

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.Untrusted, result.Kind);
        Assert.Contains("'Test Root'", result.Reason, StringComparison.Ordinal);
        Assert.True((await Validate(host, [], "Test Root", "Other Root")).IsValid);
    }

    [Fact]
    public async Task Validate_RuleNamingACaNotInTheTrustedStore_IsUntrusted()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        var result = await Validate(host, [], "Nobody's Root");

        Assert.Equal(CertificateCheckKind.Untrusted, result.Kind);
        Assert.Contains("not in the trusted root store", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_SelfSignedImpostorWithTheRootsName_IsUntrusted()
    {
        // Same subject as the trusted root, another key: names alone must never make a chain.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(_pki.Root.Certificate.SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var impostor = request.CreateSelfSigned(_pki.Clock.GetUtcNow().AddDays(-1), _pki.Clock.GetUtcNow().AddDays(30));
        using var hostKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var hostRequest = new CertificateRequest("CN=host.example", hostKey, HashAlgorithmName.SHA256);
        using var host = hostRequest.Create(impostor, _pki.Clock.GetUtcNow().AddDays(-1), _pki.Clock.GetUtcNow().AddDays(10), [1, 2, 3]);

        var result = await Validate(host, [TestPki.WithoutKey(impostor)], "Test Root");

        Assert.Equal(CertificateCheckKind.Untrusted, result.Kind);
    }

    [Fact]
    public async Task Validate_ExpiredCertificate_IsExpired()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", validity: TimeSpan.FromDays(1)), _pki.Clock.GetUtcNow());
        _pki.Clock.Advance(TimeSpan.FromDays(2));

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.Expired, result.Kind);
        Assert.Contains("expired", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_IkeEkuRequired_RefusesACertificateWithout_AndAcceptsOneWith()
    {
        var plain = _pki.Root.Issue(TestPki.Host("plain.example"), _pki.Clock.GetUtcNow());
        var withEku = _pki.Root.Issue(TestPki.Host("eku.example", ikeEku: true), _pki.Clock.GetUtcNow());

        Assert.True((await Validate(plain, [], "Test Root")).IsValid);
        Assert.Equal(CertificateCheckKind.Eku, (await Validate(plain, [], requireIkeEku: true, "Test Root")).Kind);
        Assert.True((await Validate(withEku, [], requireIkeEku: true, "Test Root")).IsValid);
    }

    [Theory]
    [InlineData(CrlCheckLevel.None, true)]
    [InlineData(CrlCheckLevel.RevokedOnly, false)]
    [InlineData(CrlCheckLevel.Strict, false)]
    public async Task Validate_RevokedCertificate_IsRefusedAtLevels1And2_AcceptedAt0(CrlCheckLevel level, bool valid)
    {
        var host = _pki.Root.Issue(TestPki.Host("revoked.example", _http.Url("root.crl")), _pki.Clock.GetUtcNow());
        _pki.Root.Revoke(host, _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", _pki.Root.CreateCrl(_pki.Clock.GetUtcNow()));
        _level = level;

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(valid, result.IsValid);
        Assert.Equal(valid ? CertificateCheckKind.Valid : CertificateCheckKind.Revoked, result.Kind);
        Assert.Equal(level == CrlCheckLevel.None ? 0 : 1, _http.Requests("root.crl"));
    }

    [Fact]
    public async Task Validate_RevokedIntermediate_RefusesTheHostBelowIt()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());
        _pki.Root.Revoke(_pki.Intermediate.Certificate, _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", _pki.Root.CreateCrl(_pki.Clock.GetUtcNow()));
        _level = CrlCheckLevel.RevokedOnly;

        var result = await Validate(host, [_pki.Intermediate.Certificate], "Test Root");

        Assert.Equal(CertificateCheckKind.Revoked, result.Kind);
        Assert.Contains("Test Intermediate", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CrlCheckLevel.RevokedOnly, true)]
    [InlineData(CrlCheckLevel.Strict, false)]
    public async Task Validate_UnreachableDistributionPoint_IsAcceptedAt1_RefusedAt2(CrlCheckLevel level, bool valid)
    {
        // A port that was just free: connection refused, as for a CRL server that is down.
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var host = _pki.Root.Issue(TestPki.Host("host.example", new Uri($"http://127.0.0.1:{port}/root.crl")), _pki.Clock.GetUtcNow());
        _level = level;

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Equal(CertificateCheckKind.CrlUnavailable, result.Kind);
            Assert.Contains($"127.0.0.1:{port}", result.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Validate_DistributionPointThatNeverAnswers_TimesOutOnTheClock_RefusedAt2()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", _http.Url("slow.crl")), _pki.Clock.GetUtcNow());
        var arrived = _http.Hang("slow.crl");
        _level = CrlCheckLevel.Strict;

        var validation = Validate(host, [], "Test Root");
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(validation.IsCompleted);
        _pki.Clock.Advance(CrlCache.DefaultTimeout);
        var result = await validation.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CertificateCheckKind.CrlUnavailable, result.Kind);
        Assert.Contains("did not answer within 3 s", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ExpiredCrl_IsRefusedAt2_AcceptedAt1()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", _http.Url("root.crl")), _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", _pki.Root.CreateCrl(_pki.Clock.GetUtcNow(), TimeSpan.FromHours(1)));
        _pki.Clock.Advance(TimeSpan.FromHours(2));

        _level = CrlCheckLevel.Strict;
        var strict = await Validate(host, [], "Test Root");
        _level = CrlCheckLevel.RevokedOnly;
        var revokedOnly = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.CrlUnavailable, strict.Kind);
        Assert.Contains("expired", strict.Reason, StringComparison.Ordinal);
        Assert.True(revokedOnly.IsValid, revokedOnly.Reason);
    }

    [Fact]
    public async Task Validate_CrlSignedByAnotherKey_IsRefusedAt2_AndItsRevocationsIgnoredAt1()
    {
        // A CRL naming the root as issuer, listing the host, signed by another key: a forgery.
        var host = _pki.Root.Issue(TestPki.Host("host.example", _http.Url("root.crl")), _pki.Clock.GetUtcNow());
        using var forgerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(_pki.Root.Certificate.SubjectName, forgerKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var forger = request.CreateSelfSigned(_pki.Clock.GetUtcNow().AddDays(-1), _pki.Clock.GetUtcNow().AddDays(30));
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(host);
        _http.Publish("root.crl", builder.Build(forger, 1, _pki.Clock.GetUtcNow().AddDays(7), HashAlgorithmName.SHA256));

        _level = CrlCheckLevel.Strict;
        var strict = await Validate(host, [], "Test Root");
        _level = CrlCheckLevel.RevokedOnly;
        var revokedOnly = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.CrlUnavailable, strict.Kind);
        Assert.Contains("not signed by its issuer", strict.Reason, StringComparison.Ordinal);
        Assert.True(revokedOnly.IsValid, revokedOnly.Reason);
    }

    [Fact]
    public async Task Validate_NoDistributionPoint_IsRefusedAt2_AcceptedAt1()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        _level = CrlCheckLevel.Strict;
        var strict = await Validate(host, [], "Test Root");
        _level = CrlCheckLevel.RevokedOnly;

        Assert.Equal(CertificateCheckKind.CrlUnavailable, strict.Kind);
        Assert.Contains("no CRL covers", strict.Reason, StringComparison.Ordinal);
        Assert.True((await Validate(host, [], "Test Root")).IsValid);
    }

    [Fact]
    public async Task Validate_CachesTheCrlUntilNextUpdate_ThenFetchesAgain()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", _http.Url("root.crl")), _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", _pki.Root.CreateCrl(_pki.Clock.GetUtcNow(), TimeSpan.FromHours(1)));
        _level = CrlCheckLevel.Strict;

        Assert.True((await Validate(host, [], "Test Root")).IsValid);
        Assert.True((await Validate(host, [], "Test Root")).IsValid);
        Assert.Equal(1, _http.Requests("root.crl"));

        // Revoked meanwhile: the cached CRL still says valid until its nextUpdate, then the new one is fetched.
        _pki.Root.Revoke(host, _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", _pki.Root.CreateCrl(_pki.Clock.GetUtcNow(), TimeSpan.FromHours(3)));
        _pki.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.True((await Validate(host, [], "Test Root")).IsValid);
        _pki.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(CertificateCheckKind.Revoked, (await Validate(host, [], "Test Root")).Kind);
        Assert.Equal(2, _http.Requests("root.crl"));
    }

    [Fact]
    public async Task Validate_OversizedCrl_IsNotUsable()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", _http.Url("root.crl")), _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", new byte[CrlCache.DefaultMaximumBytes + 10]);
        _level = CrlCheckLevel.Strict;

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.CrlUnavailable, result.Kind);
        Assert.Contains("limit", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_GarbageCrl_IsNotUsable()
    {
        var host = _pki.Root.Issue(TestPki.Host("host.example", _http.Url("root.crl")), _pki.Clock.GetUtcNow());
        _http.Publish("root.crl", "not a CRL at all"u8.ToArray());
        _level = CrlCheckLevel.Strict;

        var result = await Validate(host, [], "Test Root");

        Assert.Equal(CertificateCheckKind.CrlUnavailable, result.Kind);
    }

    [Fact]
    public async Task Validate_TooManyIntermediates_IsRefusedBeforeBuilding()
    {
        var host = _pki.Intermediate.Issue(TestPki.Host("host.example"), _pki.Clock.GetUtcNow());

        var result = await Validate(host, Enumerable.Repeat(_pki.Intermediate.Certificate, PeerCertificateValidator.MaximumIntermediates + 1).ToList(), "Test Root");

        Assert.Equal(CertificateCheckKind.Untrusted, result.Kind);
        Assert.Contains("intermediate certificates", result.Reason, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _crls.Dispose();
        _pki.Dispose();
        await _http.DisposeAsync();
    }

    private Task<CertificateCheckResult> Validate(X509Certificate2 host, IReadOnlyList<X509Certificate2> intermediates, params string[] caNames) =>
        Validate(host, intermediates, requireIkeEku: false, caNames);

    private Task<CertificateCheckResult> Validate(X509Certificate2 host, IReadOnlyList<X509Certificate2> intermediates, bool requireIkeEku, params string[] caNames) =>
        Validator.ValidateAsync(TestPki.WithoutKey(host), intermediates.Select(TestPki.WithoutKey).ToList(), caNames, requireIkeEku, CancellationToken.None);
}
