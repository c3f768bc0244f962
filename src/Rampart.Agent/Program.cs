using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rampart.Agent;
using Rampart.Agent.Control;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSystemd();
builder.Services.AddSingleton(AgentOptions.FromEnvironment());
builder.Services.AddSingleton<ControlDispatcher>();
builder.Services.AddHostedService<ControlServer>();
builder.Services.AddHostedService<AgentStatus>();
using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
