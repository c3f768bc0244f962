using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Rampart.Credentials.Certificates;

/// <summary>One CRL fetched for an issuer: the verified CRL, or why there is none.</summary>
internal sealed record CrlFetch(X509Crl? Crl, string? Failure)
{
    public static CrlFetch Failed(string reason) => new(null, reason);
}

/// <summary>
/// Fetches CRLs over plain HTTP (no redirects) with a short timeout and a size limit, verifies each against its
/// issuer's key and issuer name, and keeps a verified CRL until its nextUpdate (one without nextUpdate is not kept).
/// Failures are not cached: the next negotiation tries again. Safe to call from several threads.
/// </summary>
public sealed partial class CrlCache : IDisposable
{
    public const int DefaultMaximumBytes = 1024 * 1024;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly int _maximumBytes;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Url, string Issuer), X509Crl> _cache = new();

    public CrlCache(TimeProvider timeProvider, TimeSpan? timeout = null, int maximumBytes = DefaultMaximumBytes, HttpMessageHandler? handler = null, ILogger<CrlCache>? logger = null)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _timeout = timeout ?? DefaultTimeout;
        _maximumBytes = maximumBytes;
        _logger = logger ?? NullLogger<CrlCache>.Instance;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, ConnectTimeout = _timeout }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>How many CRLs are cached now (for the monitor and tests).</summary>
    public int Count => _cache.Count;

    /// <summary>The CRL at <paramref name="url"/> signed by <paramref name="issuer"/>: from the cache while current, else fetched.</summary>
    internal async Task<CrlFetch> GetAsync(Uri url, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(issuer);
        if (url.Scheme != Uri.UriSchemeHttp)
        {
            return CrlFetch.Failed($"{url} is not an http:// distribution point");
        }

        var key = (url.AbsoluteUri, issuer.Thumbprint);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached))
        {
            if (cached.NextUpdate is { } next && now.UtcDateTime < next.ToUniversalTime())
            {
                return new CrlFetch(cached, null);
            }

            _cache.TryRemove(key, out _);
        }

        var fetched = await FetchAsync(url, cancellationToken).ConfigureAwait(false);
        if (fetched.Failure is not null)
        {
            LogFetchFailed(_logger, url, fetched.Failure);
            return CrlFetch.Failed(fetched.Failure);
        }

        var verified = Verify(fetched.Data!, url, issuer);
        if (verified.Crl is { NextUpdate: { } nextUpdate } crl && now.UtcDateTime < nextUpdate.ToUniversalTime())
        {
            _cache[key] = crl;
        }
        else if (verified.Failure is not null)
        {
            LogFetchFailed(_logger, url, verified.Failure);
        }

        return verified;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Parses and verifies a CRL: it must be signed by <paramref name="issuer"/>'s key and name it as issuer.</summary>
    internal static CrlFetch Verify(byte[] data, Uri url, X509Certificate2 issuer)
    {
        X509Crl? crl;
        try
        {
            crl = new X509CrlParser().ReadCrl(data);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or Org.BouncyCastle.Security.Certificates.CrlException)
        {
            return CrlFetch.Failed($"the CRL at {url} cannot be parsed: {e.Message}");
        }

        if (crl is null)
        {
            return CrlFetch.Failed($"{url} served no CRL");
        }

        var issuerCertificate = new X509CertificateParser().ReadCertificate(issuer.RawData);
        if (!issuerCertificate.SubjectDN.Equivalent(crl.IssuerDN))
        {
            return CrlFetch.Failed($"the CRL at {url} is issued by {crl.IssuerDN}, not by {issuer.Subject}");
        }

        try
        {
            crl.Verify(issuerCertificate.GetPublicKey());
        }
        catch (Exception e) when (e is GeneralSecurityException or InvalidKeyException or Org.BouncyCastle.Security.Certificates.CrlException or ArgumentException or InvalidOperationException)
        {
            return CrlFetch.Failed($"the CRL at {url} is not signed by its issuer {issuer.Subject}");
        }

        return new CrlFetch(crl, null);
    }

    private async Task<(byte[]? Data, string? Failure)> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"{url} answered HTTP {(int)response.StatusCode}"));
            }

            if (response.Content.Headers.ContentLength > _maximumBytes)
            {
                return (null, string.Create(CultureInfo.InvariantCulture, $"the CRL at {url} is {response.Content.Headers.ContentLength} bytes, over the {_maximumBytes}-byte limit"));
            }

            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[_maximumBytes + 1];
                var length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, linked.Token).ConfigureAwait(false);
                return length > _maximumBytes
                    ? (null, string.Create(CultureInfo.InvariantCulture, $"the CRL at {url} is over the {_maximumBytes}-byte limit"))
                    : (buffer[..length], null);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"{url} did not answer within {_timeout.TotalSeconds:0.#} s"));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (null, $"{url} cannot be fetched: {e.Message}");
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "CRL {Url} not usable: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, Uri url, string reason);
}
