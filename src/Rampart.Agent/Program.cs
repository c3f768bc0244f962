using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Agent;
using Rampart.Agent.Auditing;
using Rampart.Agent.Bindings;
using Rampart.Agent.Control;
using Rampart.Agent.DataPath;
using Rampart.Agent.Ike;
using Rampart.Agent.Monitoring;
using Rampart.Agent.Policy;
using Rampart.Agent.Tracing;
using Rampart.Credentials.Certificates;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;

AgentOptions options;
MetricsEndpointOptions metrics;
IkeControllerOptions ikeOptions;
try
{
    options = AgentOptions.FromEnvironment();
    metrics = MetricsEndpointOptions.FromEnvironment();
    ikeOptions = IkeControllerOptions.FromEnvironment();
}
catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
{
    // A configuration mistake is the administrator's to fix: say what it is, without a stack trace.
    await Console.Error.WriteLineAsync($"rampartd: {e.Message}").ConfigureAwait(false);
    return 2;
}

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(TimeProvider.System);

// The trace files take Rampart's Debug messages; the console (or journal) keeps Information and above.
var traces = new TraceFileLoggerProvider(options.Home);
builder.Services.AddSingleton(traces);
builder.Logging.AddProvider(traces);
builder.Logging.AddFilter("Rampart", LogLevel.Debug);
builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>("Rampart", LogLevel.Information);

builder.Services.AddSingleton(sp => new AuditLog(options.Home, sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton(sp => new SecurityAssociationDatabase(sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton(new AgentInbox());
builder.Services.AddSingleton<IPolicyEnforcer>(sp => sp.GetRequiredService<AgentInbox>());
builder.Services.AddSingleton(sp => new DataPathEngine(sp.GetRequiredService<SecurityAssociationDatabase>(), acquires: sp.GetRequiredService<AgentInbox>()));
builder.Services.AddSingleton<PolicyState>();
builder.Services.AddSingleton(new HostExemptions());
builder.Services.AddSingleton(new HostNameResolver());
builder.Services.AddSingleton<AgentLifecycle>();
builder.Services.AddSingleton(new DataPathOptions());
builder.Services.AddSingleton<DataPathService>();
builder.Services.AddSingleton<ControlDispatcher>();
builder.Services.AddSingleton<ControlAccess>();
builder.Services.AddHostedService<PolicyView>();
builder.Services.AddHostedService<ControlServer>();
builder.Services.AddHostedService<AgentStatus>();
builder.Services.AddHostedService<AuditControl>();
builder.Services.AddHostedService<TraceControl>();

// Before the policy agent: the remembered manual SAs reach the loop ahead of the first policy (selectors reserved first).
builder.Services.AddHostedService<ManualKeying>();
builder.Services.AddHostedService<PolicyAgent>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<DataPathService>());
builder.Services.AddSingleton<IkeTransport>();
builder.Services.AddSingleton<IIkeTransport>(sp => sp.GetRequiredService<IkeTransport>());
builder.Services.AddSingleton(ikeOptions);
builder.Services.AddSingleton(sp => new CertificateStore(options.Home));
builder.Services.AddSingleton(sp => new CrlCache(sp.GetRequiredService<TimeProvider>(), logger: sp.GetRequiredService<ILogger<CrlCache>>()));
builder.Services.AddSingleton(sp => new IkeCertificateServices(
    new HostCertificates(sp.GetRequiredService<CertificateStore>(), sp.GetRequiredService<TimeProvider>()),
    new PeerCertificateValidator(sp.GetRequiredService<CertificateStore>(), sp.GetRequiredService<CrlCache>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PeerCertificateValidator>>())));
builder.Services.AddSingleton(sp => KerberosStartup.Load(options.Home, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IkeService>>()));
builder.Services.AddSingleton<IkeService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<IkeService>());
builder.Services.AddSingleton<IIkeStatisticsSource, IkeMonitorSource>();
builder.Services.AddMonitoring(metrics);
using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
return 0;
