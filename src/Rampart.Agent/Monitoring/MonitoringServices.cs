using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Rampart.Agent.Monitoring;

/// <summary>Registers the monitor, the metrics and the optional Prometheus endpoint in the agent.</summary>
public static class MonitoringServices
{
    /// <summary>IKE replaces <see cref="IIkeStatisticsSource"/> by registering its own before or after this call.</summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services, MetricsEndpointOptions metricsEndpoint)
    {
        services.TryAddSingleton<IIkeStatisticsSource, NoIkeStatistics>();
        services.AddSingleton<MonitorService>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitorService>());
        services.AddSingleton<RampartMetrics>();
        services.AddSingleton(metricsEndpoint);
        services.AddHostedService<PrometheusEndpoint>();
        return services;
    }
}
