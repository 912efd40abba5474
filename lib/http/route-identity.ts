import { VERSION_NEUTRAL } from '@nestjs/common';
import { HOST_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { RouteIdentity } from '../keys/http-key';

/**
 * What tells a route apart from every other, built from stable facts only: the class name of the
 * module that declares the controller, the controller's and the handler's names, the version the
 * handler answers. Never the class object or a discovery counter, so two apps in one process, two
 * instances, or two deploys of one app name a route alike and share its entries; and two
 * same-named controllers versioned behind one URL never do. The host is added per request for a
 * controller that routes by host.
 */
export function routeIdentity(
  cls: Function,
  handler: Function,
  modules: ModulesContainer | undefined,
): RouteIdentity {
  const version =
    Reflect.getMetadata(VERSION_METADATA, handler) ?? Reflect.getMetadata(VERSION_METADATA, cls);
  return {
    name: JSON.stringify([
      declaringModule(cls, modules),
      cls.name,
      handler.name,
      versionText(version),
    ]),
    byHost: Reflect.getMetadata(HOST_METADATA, cls) !== undefined,
  };
}

function declaringModule(cls: Function, modules: ModulesContainer | undefined): string | null {
  if (modules === undefined) return null;
  for (const module of modules.values()) {
    if (module.controllers.has(cls as never)) return module.metatype?.name ?? null;
  }
  return null;
}

function versionText(version: unknown): string | null {
  if (version === undefined) return null;
  const list = Array.isArray(version) ? version : [version];
  return list
    .map((v) => (v === VERSION_NEUTRAL ? '*neutral' : String(v)))
    .sort()
    .join(',');
}
