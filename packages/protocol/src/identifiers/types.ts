/** A member of an instance: `MEMBER:INSTANCE/CLASS/CODE`. */
export interface MemberId {
  readonly type: 'MEMBER';
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
}

/** A subsystem of a member; subsystems, not members, are registered as security-server clients. */
export interface SubsystemId {
  readonly type: 'SUBSYSTEM';
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
  readonly subsystemCode: string;
}

/** Who sends a request (`X-Road-Client`): a member or one of its subsystems. */
export type ClientId = MemberId | SubsystemId;

/**
 * A REST service. pr-rest allows a member-level provider in theory, but X-Road's implementation requires
 * all five path segments, so REST services always live under a subsystem and carry no version.
 */
export interface ServiceId {
  readonly type: 'SERVICE';
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
  readonly subsystemCode: string;
  readonly serviceCode: string;
}

/** A security server, owned by a member: `SERVER:INSTANCE/CLASS/MEMBER/SERVERCODE`. */
export interface SecurityServerId {
  readonly type: 'SERVER';
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
  readonly serverCode: string;
}

/** A group defined in the central registry, e.g. `GLOBALGROUP:EE/security-server-owners`. */
export interface GlobalGroupId {
  readonly type: 'GLOBALGROUP';
  readonly instance: string;
  readonly groupCode: string;
}

/** A group defined on one security server for one of its clients; meaningful only there. */
export interface LocalGroupId {
  readonly type: 'LOCALGROUP';
  readonly groupCode: string;
}

/** Any identifier Tonle knows. */
export type XRoadId = MemberId | SubsystemId | ServiceId | SecurityServerId | GlobalGroupId | LocalGroupId;

/** The party a client acts for (`X-Road-Represented-Party: [CLASS/]CODE`). */
export interface RepresentedParty {
  readonly partyClass?: string;
  readonly partyCode: string;
}

/**
 * How strictly identifier parts are checked.
 * - `strict`: X-Road's strict set `A-Z a-z 0-9 ' ( ) + , - . = ?` (pr-rest 4.8), at most 255 characters.
 * - `lenient`: any characters but control characters, at most 255; what X-Road's message path accepts
 *   (it only warns), so information systems with legacy identifiers keep working.
 */
export type IdentifierValidation = 'strict' | 'lenient';

/** Options of every identifier parser and constructor. */
export interface IdentifierOptions {
  /** Default `strict`. */
  readonly validation?: IdentifierValidation;
}
