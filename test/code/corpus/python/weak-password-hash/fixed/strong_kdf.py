import hashlib
import os

import bcrypt


def hash_password(password):
    salt = os.urandom(16)
    return salt + hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 310000)


def hash_password_bcrypt(password):
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt())
