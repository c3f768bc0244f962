using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Rampart.Agent.Monitoring;

/// <summary>Serves <c>GET /metrics</c> in the Prometheus text format on the loopback address of <see cref="MetricsEndpointOptions"/>.</summary>
public sealed partial class PrometheusEndpoint(RampartMetrics metrics, MetricsEndpointOptions options, ILogger<PrometheusEndpoint> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Endpoint is not { } endpoint)
        {
            return;
        }

        using var text = new PrometheusText(metrics.Meter);
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://{endpoint}/");
        listener.Start();
        LogListening(endpoint);
        using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (stoppingToken.IsCancellationRequested && e is HttpListenerException or ObjectDisposedException)
            {
                break;
            }

            await Answer(context, text).ConfigureAwait(false);
        }
    }

    private static async Task Answer(HttpListenerContext context, PrometheusText text)
    {
        using var response = context.Response;
        if (context.Request.HttpMethod != "GET" || context.Request.Url?.AbsolutePath != "/metrics")
        {
            response.StatusCode = 404;
            return;
        }

        var body = Encoding.UTF8.GetBytes(text.Scrape());
        response.ContentType = PrometheusText.ContentType;
        response.ContentLength64 = body.Length;
        try
        {
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
        catch (HttpListenerException)
        {
            // The scraper hung up; the next scrape starts afresh.
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Prometheus metrics on http://{Endpoint}/metrics")]
    private partial void LogListening(IPEndPoint endpoint);
}
